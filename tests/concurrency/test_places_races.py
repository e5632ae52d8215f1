"""A session's capacity raised while its bookings are cancelled, people book and join its
waitlist at once, on PostgreSQL. Run twice, as the other race tests: with the row locks
(never over capacity; every new place to the next in line), and with them off."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError

from passbook import clock
from passbook.models import Booking, Pass, Session, WaitlistEntry
from passbook.services import bookings, passes, schedule, waitlists
from passbook.services.verify import problems
from tests.concurrency.test_waitlist_races import _retrying
from tests.factories import ClassTypeFactory, CustomerFactory, ProductFactory
from tests.threads import meet_before, run_together, widen_race_window

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# One raise: a second would wait on the first's session row (held at the meeting point
# when the locks are off), so the unlocked run would show that wait, not the race.
CANCELS, RAISES, BOOKERS, JOINERS = 5, 1, 5, 5
WORK = ["cancel"] * CANCELS + ["raise"] * RAISES + ["book"] * BOOKERS + ["join"] * JOINERS


def _customers(n: int, product) -> list:
    made = CustomerFactory.create_batch(n)
    for c in made:
        passes.sell(c.id, product.id)
    return made


def test_capacity_raised_during_cancellations_bookings_and_joins(business, locking, monkeypatch):
    widen_race_window(monkeypatch, bookings, "_create")
    if not locking:  # every place-freeing transaction counts the free places at once
        meet_before(monkeypatch, waitlists, "promote_next", CANCELS + RAISES)
    business.waitlist_capacity = 100
    business.save()
    start = clock.now() + timedelta(days=2)
    session = Session.objects.create(
        class_type=ClassTypeFactory(),
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
        credit_cost=Decimal("1.00"),
    )
    five = ProductFactory(credits=5)
    places = [bookings.book(c.id, session.id) for c in _customers(10, five)]
    waiting = _customers(20, five)
    for c in waiting:
        waitlists.join(c.id, session.id)
    bookers, joiners = _customers(BOOKERS, five), _customers(JOINERS, five)

    def work(n: int) -> str:
        kind, i = WORK[n], n - WORK.index(WORK[n])
        if kind == "cancel":
            return _retrying(lambda: bookings.cancel(places[i].id))
        if kind == "raise":
            return _retrying(lambda: schedule.change_places(session.id, capacity=15))
        if kind == "book":
            return _retrying(lambda: bookings.book(bookers[i].id, session.id))
        return _retrying(lambda: waitlists.join(joiners[i].id, session.id))

    try:
        outcomes = run_together(len(WORK), work)
        crashed = None
    except threading.BrokenBarrierError:
        raise  # the threads never met: the test itself is wrong, not the race shown
    except Exception as exc:  # noqa: BLE001 - without locks, a constraint may stop a thread
        outcomes, crashed = [], exc

    capacity = Session.objects.get(pk=session.pk).capacity
    live = Booking.objects.filter(session=session, status__in=Booking.LIVE)
    promoted = set(
        WaitlistEntry.objects.filter(session=session, status="promoted").values_list(
            "customer_id", flat=True
        )
    )
    first_ten = {c.id for c in waiting[:10]}
    in_order = promoted == first_ten and set(live.values_list("customer_id", flat=True)) == (
        first_ten | {b.customer_id for b in places[CANCELS:]}
    )
    lowest = min(p.remaining for p in Pass.objects.all() if p.remaining is not None)
    if locking:
        expected = ["ok"] * (CANCELS + RAISES) + ["session_full"] * BOOKERS + ["ok"] * JOINERS
        assert crashed is None and outcomes == expected
        assert capacity == 15 and live.count() == 15 and in_order and lowest >= 0
        still = list(waitlists.waiting(session).values_list("customer_id", flat=True))
        assert still == [c.id for c in waiting[10:]] + still[10:]  # joiners after, any order
        assert sorted(still[10:]) == sorted(c.id for c in joiners)
        assert list(problems()) == []
    else:  # someone promoted twice (a constraint stops it), more booked than places, or out of turn
        twice = isinstance(crashed, IntegrityError)
        assert twice or live.count() > capacity or not in_order or list(problems())
