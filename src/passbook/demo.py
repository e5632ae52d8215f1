"""A realistic studio for newcomers to click through, built through the services.

History is replayed with an adjusted clock (passbook.clock.at), so past bookings were
made, attended, cancelled or missed at believable moments and every pass's ledger is
exactly what real use would have written.
"""

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from passbook import clock
from passbook.models import (
    Booking,
    Business,
    Category,
    ClassType,
    Customer,
    Pass,
    PassProduct,
    Resource,
    Session,
    Staff,
    User,
)
from passbook.models.catalog import StartRule
from passbook.services import bookings, freezes, passes, payments, schedule, waitlists
from passbook.services.payments import PaymentInput

PASSWORD = "passbook-demo"
FIRST = [
    "Ava",
    "Liam",
    "Olivia",
    "Noah",
    "Mia",
    "Leo",
    "Isla",
    "Jack",
    "Zoe",
    "Ethan",
    "Ruby",
    "Lucas",
    "Chloe",
    "Oscar",
    "Grace",
    "Henry",
    "Amelia",
    "Arlo",
    "Ivy",
    "Max",
    "Sophie",
    "Theo",
    "Willow",
    "Finn",
    "Hazel",
    "Kai",
    "Layla",
    "Eli",
    "Nora",
    "Sam",
]
LAST = [
    "Nguyen",
    "Smith",
    "Patel",
    "Brown",
    "Wilson",
    "Taylor",
    "Kim",
    "Martin",
    "Lee",
    "Walker",
    "Harris",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Hill",
    "Clark",
    "Lopez",
    "Evans",
    "Turner",
    "Parker",
    "Collins",
    "Rossi",
    "Murphy",
    "Cook",
    "Ward",
    "Foster",
]


@dataclass
class Studio:
    """What the demo built, for the summary and for tests."""

    staff_logins: list[tuple[str, str]] = field(default_factory=list)
    customer_logins: list[tuple[str, str, str]] = field(default_factory=list)
    products: dict[str, PassProduct] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)


def is_empty() -> bool:
    return not (Customer.objects.exists() or Session.objects.exists() or User.objects.exists())


@transaction.atomic
@Business.kept()
def build(seed: int = 2026) -> Studio:
    rng = random.Random(seed)
    studio = Studio()
    business = _business()
    now = clock.now()
    _staff_logins(studio)
    class_types, trainers, rooms = _catalog()
    sessions = _schedule(business, class_types, trainers, rooms, now)
    _products(studio, class_types)
    _customers(studio)
    week = _sales(studio, sessions, now, rng)
    _waitlists(studio, week)
    return studio


def _business() -> Business:
    business = Business.current()
    business.name, business.time_zone, business.currency = (
        "Harbour Movement Studio",
        "Australia/Sydney",
        "AUD",
    )
    business.late_cancel_hours = 12
    business.save()
    return Business.current()


@cache
def _hashed_password() -> str:
    """Hashed once: every demo login shares the published password, and each hash takes
    a deliberate fifth of a second."""
    return make_password(PASSWORD)


def _login(username: str, email: str, **fields) -> User:
    return User.objects.create(
        username=username, email=email, password=_hashed_password(), **fields
    )


def _staff_logins(studio: Studio) -> None:
    for username, role in [
        ("owner", User.Role.OWNER),
        ("manager", User.Role.MANAGER),
        ("frontdesk", User.Role.FRONTDESK),
    ]:
        user = _login(
            username,
            f"{username}@example.com",
            role=role,
            is_staff=True,
            is_superuser=role == User.Role.OWNER,
        )
        studio.staff_logins.append((user.username, role.label))


def _catalog() -> tuple[dict[str, ClassType], dict[str, Staff], dict[str, Resource]]:
    yoga, pilates, pt = (
        Category.objects.create(name=n) for n in ["Yoga", "Pilates", "Personal training"]
    )
    specs = [
        ("Vinyasa Yoga", yoga, 60, 14, "28"),
        ("Yin Yoga", yoga, 75, 12, "28"),
        ("Mat Pilates", pilates, 55, 10, "30"),
        ("Reformer Pilates", pilates, 50, 6, "42"),
        ("Personal training", pt, 60, 1, "95"),
    ]
    class_types = {
        name: ClassType.objects.create(
            name=name,
            category=cat,
            duration_minutes=minutes,
            capacity=capacity,
            drop_in_price=Decimal(price),
        )
        for name, cat, minutes, capacity, price in specs
    }
    trainers = {
        n.split()[0]: Staff.objects.create(name=n, email=f"{n.split()[0].lower()}@example.com")
        for n in ["Maya Chen", "Tom Alvarez", "Priya Nair"]
    }
    rooms = {n: Resource.objects.create(name=n) for n in ["Studio A", "Studio B", "PT room"]}
    return class_types, trainers, rooms


def _schedule(business, class_types, trainers, rooms, now: datetime) -> list[Session]:
    """A fortnight of weekly classes: last week (history) and next week (to book)."""
    first = now.astimezone(business.tz).date() - timedelta(days=7)
    until = first + timedelta(days=14)
    plan = [
        ("Vinyasa Yoga", [0, 2, 4], time(7, 0), "Maya", "Studio A"),
        ("Vinyasa Yoga", [0, 1, 2, 3, 4], time(12, 15), "Priya", "Studio A"),
        ("Mat Pilates", [1, 3], time(18, 0), "Tom", "Studio B"),
        ("Reformer Pilates", [0, 2], time(18, 30), "Tom", "Studio B"),
        ("Yin Yoga", [5], time(9, 0), "Priya", "Studio A"),
        ("Mat Pilates", [6], time(10, 0), "Maya", "Studio B"),
    ]
    sessions: list[Session] = []
    for name, days, at, trainer, room in plan:
        start = datetime.combine(first, at, tzinfo=business.tz)
        inp = schedule.SessionInput(
            class_types[name], start, staff_id=trainers[trainer].id, resource_id=rooms[room].id
        )
        sessions += schedule.create_weekly(inp, weekdays=days, until=until)
    return sorted(sessions, key=lambda s: s.starts_at)


def _products(studio: Studio, class_types: dict[str, ClassType]) -> None:
    pilates = class_types["Mat Pilates"].category
    specs: dict[str, dict[str, Any]] = {
        "10-class pass": dict(price="200", credits="10", validity_unit="months", validity_count=3),
        "5-class Pilates pass": dict(
            price="120", credits="5", validity_unit="months", validity_count=2, priority=1
        ),
        "Monthly unlimited": dict(
            price="180", credits=None, validity_unit="months", validity_count=1, max_per_day=1
        ),
        "Intro 3 classes (starts on first booking)": dict(
            price="45",
            credits="3",
            validity_unit="days",
            validity_count=14,
            start_rule=StartRule.FIRST_BOOKING,
        ),
        "Personal training 4-pack": dict(
            price="340",
            credits="4",
            validity_unit="months",
            validity_count=6,
            online_purchasable=False,
        ),
        "Winter 2025 special": dict(
            price="99", credits="8", validity_unit="weeks", validity_count=8, archived=True
        ),
    }
    for name, spec in specs.items():
        credits = spec.pop("credits")
        product = PassProduct.objects.create(
            name=name,
            price=Decimal(spec.pop("price")),
            credits=Decimal(credits) if credits else None,
            **spec,
        )
        studio.products[name] = product
    studio.products["5-class Pilates pass"].categories.add(pilates)
    studio.products["Personal training 4-pack"].categories.add(
        class_types["Personal training"].category
    )


def _customers(studio: Studio) -> None:
    for i, (first, last) in enumerate(zip(FIRST, LAST, strict=True)):
        user = None
        if i < 3:
            email = f"{first.lower()}.{last.lower()}@example.com"  # customers log in by email
            user = _login(email, email)
            studio.customer_logins.append((user.username, PASSWORD, f"{first} {last}"))
        studio.customers.append(
            Customer.objects.create(
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}@example.com",
                phone=f"04{i:02d} 555 {100 + i}",
                user=user,
            )
        )


def _pay(p: Pass, rng: random.Random, share: str) -> None:
    """share: 'full', 'part' or 'none' — so every payment status appears."""
    if share == "none" or p.price == 0:
        return
    amount = p.price if share == "full" else (p.price / 2).quantize(Decimal("0.01"))
    method = rng.choice(["card", "cash", "bank_transfer", "online"])
    payments.record_payment(p.id, PaymentInput(amount, method, reference="demo"))


def _sell(
    customer: Customer, product: PassProduct, when: datetime, rng: random.Random, share: str
) -> Pass:
    with clock.at(when):
        p = passes.sell(customer.id, product.id)
        _pay(p, rng, share)
    return p


# What happened to each booking, dealt in turn so that every state appears whatever the
# moment: the rarer outcomes come first, so even the shortest history shows each of them.
PAST_OUTCOMES = ("no_show", "late_cancel", "cancel", "attend", "attend", "attend", "attend")
COMING_OUTCOMES = ("cancel", "keep", "keep", "keep")


class Fortnight:
    """The demo's classes as seen from `now`, and the replay of what customers did in them.

    History is the classes that ended at least an hour ago; upcoming, those not yet
    started. A class under way is left alone, so no moment of the week catches one
    half-played, and every pick takes only classes with a free place.
    """

    def __init__(self, sessions: list[Session], now: datetime, rng: random.Random) -> None:
        group = [s for s in sessions if s.capacity > 1]
        self.now, self.rng, self.business = now, rng, Business.current()
        self.history = [s for s in group if s.ends_at + timedelta(hours=1) <= now]
        self.upcoming = [s for s in group if s.starts_at > now]
        self._past = itertools.cycle(PAST_OUTCOMES)
        self._coming = itertools.cycle(COMING_OUTCOMES)

    def pick(
        self,
        customer: Customer,
        pool: list[Session],
        k: int,
        since: datetime,
        *,
        one_a_day: bool = False,
        in_order: bool = False,
    ) -> list[Session]:
        """Up to k classes of `pool` (at random, or the first ones in pool order), in time
        order: each a day or more after `since` (the purchase), with a free place, not
        booked by this customer yet, and on different days when the pass allows one a day."""
        tz = self.business.tz
        chosen: list[Session] = []
        live = customer.bookings.filter(status__in=Booking.LIVE) if one_a_day else []
        days = {b.session.starts_at.astimezone(tz).date() for b in live}
        for s in pool if in_order else self.rng.sample(pool, k=len(pool)):
            day = s.starts_at.astimezone(tz).date()
            if len(chosen) == k or s.starts_at < since + timedelta(days=1):
                continue
            if (one_a_day and day in days) or not _open_to(s, customer):
                continue
            chosen.append(s)
            days.add(day)
        return sorted(chosen, key=lambda s: s.starts_at)

    def attend(
        self,
        customer: Customer,
        sessions: list[Session],
        since: datetime,
        outcome: str | None = None,
        **how,
    ) -> list[Booking]:
        """Book each class a few days ahead (never before `since`, the purchase, nor after
        now), then play out `outcome`, or else the next outcome in turn."""
        made = []
        for session in sessions:
            booked_at = max(
                since + timedelta(minutes=1),
                min(self.now - timedelta(minutes=1), session.starts_at - timedelta(days=3)),
            )
            with clock.at(booked_at):
                booking = bookings.book(customer.id, session.id, **how)
            if session.starts_at > self.now:
                self._coming_outcome(booking, outcome or next(self._coming))
            else:
                _past_outcome(booking, outcome or next(self._past))
            made.append(booking)
        return made

    def _coming_outcome(self, booking: Booking, outcome: str) -> None:
        """Cancelled now, where that is in time; otherwise still booked."""
        notice = booking.session.starts_at - self.now
        if outcome == "cancel" and notice > timedelta(hours=self.business.late_cancel_hours + 1):
            with clock.at(self.now):
                bookings.cancel(booking.id)


def _open_to(session: Session, customer: Customer) -> bool:
    live = session.bookings.filter(status__in=Booking.LIVE)
    booked = list(live.values_list("customer_id", flat=True))
    return len(booked) < session.capacity and customer.id not in booked


def _past_outcome(booking: Booking, outcome: str) -> None:
    """Replay a class that is over, each step at the moment it would have happened."""
    s = booking.session
    steps: dict[str, tuple[Callable[[int], Booking], datetime]] = {
        "attend": (bookings.check_in, s.starts_at - timedelta(minutes=5)),
        "no_show": (bookings.mark_no_show, s.ends_at + timedelta(minutes=30)),
        "late_cancel": (bookings.cancel, s.starts_at - timedelta(hours=2)),
        "cancel": (bookings.cancel, s.starts_at - timedelta(hours=18)),
    }
    step, moment = steps[outcome]
    with clock.at(moment):
        step(booking.id)


def _sales(studio: Studio, sessions: list[Session], now: datetime, rng: random.Random) -> Fortnight:
    pr, cs = studio.products, studio.customers
    week = Fortnight(sessions, now, rng)
    pilates = [s for s in week.history + week.upcoming if s.class_type.category.name == "Pilates"]
    shares = ["full", "full", "part", "none"]
    days_ago = lambda n: now - timedelta(days=n)  # noqa: E731
    for i, c in enumerate(cs[:12]):  # regulars on a 10-class pass
        p = _sell(c, pr["10-class pass"], days_ago(20 + i), rng, shares[i % 4])
        _regular(week, c, p.purchased_at, past=rng.randint(2, 4), coming=rng.randint(1, 3))
    for i, c in enumerate(cs[12:17]):  # unlimited members, capped at one class a day
        p = _sell(c, pr["Monthly unlimited"], days_ago(10 + i), rng, shares[i % 4])
        _regular(week, c, p.purchased_at, past=3, coming=2, one_a_day=True)
    for i, c in enumerate(cs[17:21]):  # a general pass and a Pilates pass: priority decides
        _sell(c, pr["10-class pass"], days_ago(30), rng, "full")
        p = _sell(c, pr["5-class Pilates pass"], days_ago(12), rng, shares[i % 4])
        week.attend(c, week.pick(c, pilates, 2, p.purchased_at), p.purchased_at)
        _regular(week, c, p.purchased_at, past=1, coming=1)
    intro = pr["Intro 3 classes (starts on first booking)"]
    for c in cs[21:23]:  # used up: every credit booked or spent
        _used_up(week, c, _sell(c, intro, days_ago(9), rng, "full"))
    for c in cs[23:25]:  # expired with credits left (forfeit unless staff extend it)
        _sell(c, pr["10-class pass"], days_ago(120), rng, "full")
    for c in cs[25:27]:  # not started: starts on first booking
        _sell(c, intro, days_ago(3), rng, "none")
    _voided(cs[27], pr["10-class pass"], now, rng)
    _walk_ins(week, cs[28:30], pr["Personal training 4-pack"])
    return week


def _regular(week: Fortnight, c: Customer, since: datetime, past: int, coming: int, **how):
    week.attend(c, week.pick(c, week.history, past, since, **how), since)
    week.attend(c, week.pick(c, week.upcoming, coming, since, **how), since)


def _used_up(week: Fortnight, customer: Customer, p: Pass) -> None:
    """An intro pass with all three credits spent: the latest class it could pay for,
    attended (so the pass has started), and the next two, booked."""
    since = p.purchased_at
    last = week.pick(customer, week.history[::-1], 1, since, in_order=True)
    next_two = week.pick(customer, week.upcoming, 2, since, in_order=True)
    week.attend(customer, last, since, "attend", pass_id=p.id)
    week.attend(customer, next_two, since, "keep", pass_id=p.id)


def _voided(customer: Customer, product: PassProduct, now: datetime, rng: random.Random) -> None:
    p = _sell(customer, product, now - timedelta(days=6), rng, "full")
    with clock.at(now - timedelta(days=2)):
        passes.void(p.id, reason="Customer moved interstate; refunded")
        payments.refund(p.id, PaymentInput(p.price, "card", note="refund on void"))


def _walk_ins(week: Fortnight, customers: list[Customer], pt_pack: PassProduct) -> None:
    """A drop-in who paid cash at the desk for two classes, and a guest on the house who
    also has personal training booked on a part-paid 4-pack."""
    drop_in, guest = customers
    walked_in = week.now - timedelta(hours=1)
    classes = week.pick(drop_in, week.upcoming, 2, walked_in - timedelta(days=1), in_order=True)
    for booking in week.attend(drop_in, classes, walked_in, "keep", paid_by=Booking.PaidBy.DROP_IN):
        with clock.at(walked_in + timedelta(minutes=2)):
            payments.record_drop_in_payment(booking.id, PaymentInput(booking.price, "cash"))
    guest_class = week.pick(guest, week.upcoming, 1, walked_in - timedelta(days=1))
    week.attend(guest, guest_class, walked_in, "keep", paid_by=Booking.PaidBy.COMPLIMENTARY)
    p = _sell(guest, pt_pack, week.now - timedelta(days=5), week.rng, "part")
    pt = ClassType.objects.get(name="Personal training")
    trainer, room = Staff.objects.get(name="Priya Nair"), Resource.objects.get(name="PT room")
    for days in (2, 9):
        day = (week.now + timedelta(days=days)).astimezone(week.business.tz).date()
        passes.add_session(
            p.id,
            on=day,
            at=time(15, 0),
            class_type_id=pt.id,
            staff_id=trainer.id,
            resource_id=room.id,
        )


# New customers for the waitlists, so the passes and bookings above stay as they are.
WAITING = [("Rosa", "Diaz"), ("Hugo", "Bell"), ("Iris", "Moreau"), ("June", "Okafor")]


def _waitlists(studio: Studio, week: Fortnight) -> None:
    """The two latest classes (long before the late-cancel window) made full, with people
    waiting. In the last, a place freed by a cancellation went to the second in line:
    the first had frozen their pass for that day meanwhile, so was skipped, with the
    reason, and waits on."""
    late = timedelta(hours=week.business.late_cancel_hours + 2)
    later = [s for s in week.upcoming if s.starts_at > week.now + late]
    last, before = later[-1], later[-2]
    rosa, hugo, iris, june = people = [_new_customer(studio, n) for n in WAITING]
    at = week.now - timedelta(days=3)
    ten = [_sell(c, studio.products["10-class pass"], at, week.rng, "full") for c in people]
    with clock.at(at + timedelta(hours=1)):
        cancelled = bookings.book(rosa.id, last.id)  # Rosa's place frees up later
        bookings.book(rosa.id, before.id)
        for s in (last, before):
            schedule.change_places(s.id, capacity=_live(s))  # full now
    for hours, c, s in [(2, hugo, last), (3, iris, last), (4, june, last), (5, june, before)]:
        with clock.at(at + timedelta(hours=hours)):
            waitlists.join(c.id, s.id)
    ava = studio.customers[0]  # a demo login: the portal shows "You're #2"
    if not before.bookings.filter(customer=ava, status__in=Booking.LIVE).exists():
        with clock.at(at + timedelta(hours=6)):
            waitlists.join(ava.id, before.id)
    day = last.starts_at.astimezone(week.business.tz).date()
    with clock.at(week.now - timedelta(days=1)):
        freezes.freeze(ten[1].id, starts_on=day, ends_on=day, reason="Away that day")
    with clock.at(week.now - timedelta(hours=2)):
        bookings.cancel(cancelled.id)  # Hugo is skipped; Iris is booked


def _new_customer(studio: Studio, name: tuple[str, str]) -> Customer:
    first, last = name
    customer = Customer.objects.create(
        first_name=first, last_name=last, email=f"{first.lower()}.{last.lower()}@example.com"
    )
    studio.customers.append(customer)
    return customer


def _live(session: Session) -> int:
    return session.bookings.filter(status__in=Booking.LIVE).count()
