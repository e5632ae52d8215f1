"""Waitlist promotion under real concurrency, on PostgreSQL: cancellations and joins at
once, each freed place going to the next person in line who can pay; declined offers and
late cancellations at once. Run twice, as the other race tests: with the row locks, and
with them off, where the race shows."""

from datetime import timedelta
from decimal import Decimal

import pytest

from passbook import clock
from passbook.models import Booking, Pass, Session, WaitlistEntry
from passbook.services import bookings, passes, waitlists
from passbook.services.errors import Busy, DomainError
from passbook.services.verify import problems
from tests.factories import ClassTypeFactory, CustomerFactory, ProductFactory
from tests.threads import run_together, widen_race_window

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SKIPPED = {2, 5, 11, 17}  # waiting customers whose only credit is spent before a place frees


def _retrying(action) -> str:
    """Call as a client would: `busy` (a lock waited on too long) is retried."""
    for _ in range(30):
        try:
            action()
            return "ok"
        except Busy:
            continue
        except DomainError as exc:
            return exc.code
    return Busy.code


def test_20_cancellations_and_20_joins_with_30_waiting(business, locking, monkeypatch):
    widen_race_window(monkeypatch, bookings, "_create")
    business.waitlist_capacity = 100
    business.save()
    yoga = ClassTypeFactory()
    start = clock.now() + timedelta(days=2)
    session = Session.objects.create(
        class_type=yoga,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=20,
        credit_cost=Decimal("1.00"),
    )
    elsewhere = Session.objects.create(
        class_type=yoga,
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=1),
        capacity=50,
        credit_cost=Decimal("1.00"),
    )
    five, one = ProductFactory(credits=5), ProductFactory(credits=1)
    booked = CustomerFactory.create_batch(20)
    for c in booked:
        passes.sell(c.id, five.id)
    places = [bookings.book(c.id, session.id) for c in booked]
    waiting = CustomerFactory.create_batch(30)
    for i, c in enumerate(waiting):
        passes.sell(c.id, (one if i in SKIPPED else five).id)
        waitlists.join(c.id, session.id)
    for i in SKIPPED:  # their one credit goes on another class while they wait
        bookings.book(waiting[i].id, elsewhere.id)
    joiners = CustomerFactory.create_batch(20)
    for c in joiners:
        passes.sell(c.id, five.id)

    def work(n: int) -> str:
        if n % 2 == 0:
            return _retrying(lambda: bookings.cancel(places[n // 2].id))
        return _retrying(lambda: waitlists.join(joiners[n // 2].id, session.id))

    try:
        outcomes = run_together(40, work)
        crashed = None
    except Exception as exc:  # noqa: BLE001 - without locks, a constraint may stop a thread
        outcomes, crashed = [], exc

    eligible = [c.id for i, c in enumerate(waiting) if i not in SKIPPED]
    promoted = set(
        WaitlistEntry.objects.filter(session=session, status="promoted").values_list(
            "customer_id", flat=True
        )
    )
    live = Booking.objects.filter(session=session, status__in=Booking.LIVE)
    in_order = promoted == set(eligible[:20]) and set(
        live.values_list("customer_id", flat=True)
    ) == set(eligible[:20])
    lowest = min(p.remaining for p in Pass.objects.all() if p.remaining is not None)
    if locking:
        assert crashed is None and outcomes == ["ok"] * 40
        assert live.count() == 20 and in_order and lowest >= 0
        still = waitlists.waiting(session)
        assert still.count() == 30 - 20 + 20  # the skipped four, the last six, every joiner
        assert all(
            e.skip_reason for e in still.filter(customer_id__in=[waiting[i].id for i in SKIPPED])
        )
        assert list(problems()) == []
    else:  # the same person promoted twice (a crash), places over capacity, or out of turn
        assert crashed is not None or live.count() != 20 or not in_order or list(problems())


def test_declined_offers_and_late_cancellations_at_once(business, locking, monkeypatch):
    """Inside the late-cancel window: five customers decline the places offered to them
    while five others cancel late. Each of the ten places goes, once, to the next in line
    who opted in to late places; without the locks, two transactions give the same place
    (or the same person) twice."""
    widen_race_window(monkeypatch, bookings, "_create")
    business.waitlist_capacity = 100
    business.save()
    start = clock.now() + timedelta(hours=2)  # inside the late-cancel window from the start
    session = Session.objects.create(
        class_type=ClassTypeFactory(),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
        credit_cost=Decimal("1.00"),
    )
    five = ProductFactory(credits=5)
    booked = CustomerFactory.create_batch(10)
    for c in booked:
        passes.sell(c.id, five.id)
    places = [bookings.book(c.id, session.id) for c in booked]
    cautious, keen = CustomerFactory.create_batch(5), CustomerFactory.create_batch(10)
    for c in [*cautious, *keen]:
        passes.sell(c.id, five.id)
        waitlists.join(c.id, session.id, late_ok=c in keen)
    for booking in places[:5]:  # late: the first five in line are offered these places
        bookings.cancel(booking.id)
    offers = list(WaitlistEntry.objects.filter(session=session, status="offered"))
    assert sorted(e.customer_id for e in offers) == sorted(c.id for c in cautious)

    def work(n: int) -> str:
        if n % 2 == 0:
            return _retrying(lambda: waitlists.leave(offers[n // 2].id))
        return _retrying(lambda: bookings.cancel(places[5 + n // 2].id))

    try:
        outcomes = run_together(10, work)
        crashed = None
    except Exception as exc:  # noqa: BLE001 - without locks, a constraint may stop a thread
        outcomes, crashed = [], exc

    live = Booking.objects.filter(session=session, status__in=Booking.LIVE)
    given = sorted(live.values_list("customer_id", flat=True))
    if locking:
        assert crashed is None and outcomes == ["ok"] * 10
        assert given == sorted(c.id for c in keen)
        assert not WaitlistEntry.objects.filter(session=session, status__in=["waiting", "offered"])
        assert list(problems()) == []
    else:  # a place given twice, a place left empty, or someone booked twice (a crash)
        assert crashed is not None or given != sorted(c.id for c in keen) or list(problems())
