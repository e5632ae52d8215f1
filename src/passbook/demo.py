"""A realistic studio for newcomers to click through, built through the services.

History is replayed with an adjusted clock (passbook.clock.at), so past bookings were
made, attended, cancelled or missed at believable moments and every pass's ledger is
exactly what real use would have written.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

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
from passbook.services import bookings, passes, payments, schedule
from passbook.services.errors import DomainError
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
    _sales(studio, sessions, now, rng)
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


def _staff_logins(studio: Studio) -> None:
    for username, role in [
        ("owner", User.Role.OWNER),
        ("manager", User.Role.MANAGER),
        ("frontdesk", User.Role.FRONTDESK),
    ]:
        user = User.objects.create_user(
            username,
            f"{username}@example.com",
            PASSWORD,
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
    specs = {
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
            user = User.objects.create_user(email, email, PASSWORD)
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


def _attend(
    customer: Customer,
    sessions: list[Session],
    now: datetime,
    rng: random.Random,
    count: int,
    pass_id: int | None = None,
) -> None:
    """Book `count` of the sessions and play out what happened to each booking."""
    for session in rng.sample(sessions, k=min(count, len(sessions))):
        try:
            with clock.at(
                min(now, session.starts_at - timedelta(days=1, hours=rng.randint(0, 48)))
            ):
                booking = bookings.book(customer.id, session.id, pass_id=pass_id)
        except DomainError:
            continue  # full, capped or out of credits: a real customer would pick another
        _outcome(booking, session, now, rng)


def _outcome(booking: Booking, session: Session, now: datetime, rng: random.Random) -> None:
    roll = rng.random()
    if session.starts_at > now:
        if roll < 0.1:
            bookings.cancel(booking.id)
        return
    if roll < 0.7:
        with clock.at(session.starts_at - timedelta(minutes=5)):
            bookings.check_in(booking.id)
    elif roll < 0.8:
        with clock.at(session.ends_at + timedelta(minutes=30)):
            bookings.mark_no_show(booking.id)
    elif roll < 0.9:
        with clock.at(session.starts_at - timedelta(hours=2)):
            bookings.cancel(booking.id)
    else:
        with clock.at(session.starts_at - timedelta(days=2)):
            bookings.cancel(booking.id)


def _sales(studio: Studio, sessions: list[Session], now: datetime, rng: random.Random) -> None:
    pr, cs = studio.products, studio.customers
    group = [s for s in sessions if s.capacity > 1]
    pilates = [s for s in group if s.class_type.category.name == "Pilates"]
    shares = ["full", "full", "part", "none"]
    days_ago = lambda n: now - timedelta(days=n)  # noqa: E731
    for i, c in enumerate(cs[:12]):  # regulars on a 10-class pass
        _sell(c, pr["10-class pass"], days_ago(20 + i), rng, shares[i % 4])
        _attend(c, group, now, rng, count=rng.randint(2, 6))
    for i, c in enumerate(cs[12:17]):  # unlimited members, capped at one class a day
        _sell(c, pr["Monthly unlimited"], days_ago(10 + i), rng, shares[i % 4])
        _attend(c, group, now, rng, count=8)
    for i, c in enumerate(cs[17:21]):  # a general pass and a Pilates pass: priority decides
        _sell(c, pr["10-class pass"], days_ago(30), rng, "full")
        _sell(c, pr["5-class Pilates pass"], days_ago(12), rng, shares[i % 4])
        _attend(c, pilates, now, rng, count=3)
        _attend(c, group, now, rng, count=2)
    for c in cs[21:23]:  # used up: an intro pass fully booked
        p = _sell(c, pr["Intro 3 classes (starts on first booking)"], days_ago(9), rng, "full")
        _attend(c, group, now, rng, count=6, pass_id=p.id)
    for c in cs[23:25]:  # expired with credits left (forfeit unless staff extend it)
        _sell(c, pr["10-class pass"], days_ago(120), rng, "full")
    for c in cs[25:27]:  # not started: starts on first booking
        _sell(c, pr["Intro 3 classes (starts on first booking)"], days_ago(3), rng, "none")
    _voided(cs[27], pr["10-class pass"], now, rng)
    _walk_ins(cs[28:30], group, pr["Personal training 4-pack"], now, rng)


def _voided(customer: Customer, product: PassProduct, now: datetime, rng: random.Random) -> None:
    p = _sell(customer, product, now - timedelta(days=6), rng, "full")
    with clock.at(now - timedelta(days=2)):
        passes.void(p.id, reason="Customer moved interstate; refunded")
        payments.refund(p.id, PaymentInput(p.price, "card", note="refund on void"))


def _walk_ins(customers, group, pt_pack, now, rng) -> None:
    drop_in, comp = customers
    for session in [s for s in group if s.starts_at > now][:2]:
        with clock.at(now - timedelta(hours=1)):
            booking = bookings.book(drop_in.id, session.id, paid_by=Booking.PaidBy.DROP_IN)
            payments.record_drop_in_payment(booking.id, PaymentInput(booking.price, "cash"))
    with clock.at(now - timedelta(hours=1)):
        bookings.book(comp.id, group[-1].id, paid_by=Booking.PaidBy.COMPLIMENTARY)
    p = _sell(comp, pt_pack, now - timedelta(days=5), rng, "part")
    tz = Business.current().tz
    pt = ClassType.objects.get(name="Personal training")
    trainer, room = Staff.objects.get(name="Priya Nair"), Resource.objects.get(name="PT room")
    for days in (2, 9):
        day = (now + timedelta(days=days)).astimezone(tz).date()
        passes.add_session(
            p.id,
            on=day,
            at=time(15, 0),
            class_type_id=pt.id,
            staff_id=trainer.id,
            resource_id=room.id,
        )
