"""Invariants under real concurrency, on PostgreSQL (DESIGN.md §3, §5).

Real threads, each with its own database connection, race through the services. Each
scenario runs twice: with the services' row locks (the invariant holds exactly), and
with locking switched off by a test-only setting (the invariant breaks), which shows
that the race is real and that these tests can fail.
"""

import random
import threading
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from passbook import clock
from passbook.models import Booking, Pass, Session
from passbook.services import bookings, passes
from passbook.services.errors import Busy, DomainError
from passbook.services.verify import problems
from tests.factories import ClassTypeFactory, CustomerFactory, ProductFactory
from tests.threads import race_point, run_together, widen_race_window

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def wide_race_window(monkeypatch):
    """Pause between reading (capacity, credits) and writing, in every run."""
    widen_race_window(monkeypatch, bookings, "_create")


class Race:
    """Run `attempt(thread_no)` in n threads released together; count what happened."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.booked: list[int] = []
        self.refused: list[str] = []
        self.crashed: list[BaseException] = []

    def run(self, attempt: Callable[[int], None]) -> None:
        barrier = threading.Barrier(self.threads)

        def worker(n: int) -> None:
            try:
                barrier.wait()
                attempt(n)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.crashed.append(exc)
            finally:
                connection.close()

        workers = [threading.Thread(target=worker, args=(n,)) for n in range(self.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    def book(self, customer_id: int, session_id: int) -> None:
        """Book as a client would: a `busy` answer (the lock waited on too long, as 64
        threads queueing on one session can) is retried, as it says to be."""
        for _ in range(20):
            try:
                self.booked.append(bookings.book(customer_id, session_id).id)
                return
            except Busy:
                continue
            except DomainError as exc:
                self.refused.append(exc.code)
                return
        self.refused.append(Busy.code)


def _sessions(n: int, capacity: int) -> list[Session]:
    yoga = ClassTypeFactory()
    start = clock.now() + timedelta(days=1)
    return Session.objects.bulk_create(
        Session(
            class_type=yoga,
            starts_at=start + timedelta(hours=i),
            ends_at=start + timedelta(hours=i, minutes=50),
            capacity=capacity,
            credit_cost=Decimal("1.00"),
        )
        for i in range(n)
    )


def _assert_clean() -> None:
    assert list(problems()) == []
    call_command("verify")


def _live(**filters) -> int:
    return Booking.objects.filter(status__in=Booking.LIVE, **filters).count()


def test_32_threads_10_attempts_each_on_one_pass_with_25_credits(business, locking):
    customer = CustomerFactory()
    p = passes.sell(customer.id, ProductFactory(credits=25).id)
    sessions = _sessions(320, capacity=100)
    race = Race(32)
    race.run(lambda n: [race.book(customer.id, sessions[n * 10 + k].id) for k in range(10)])
    p.refresh_from_db()
    if locking:
        assert race.crashed == []
        assert len(race.booked) == 25 and _live(customer_pass=p) == 25
        assert p.remaining == 0 and set(race.refused) == {"no_usable_pass"}
        _assert_clean()
    else:  # lost updates: more bookings than credits, counters that disagree with the ledger
        assert len(race.booked) > 25
        assert list(problems())


def test_64_funded_customers_race_for_a_10_place_session(business, locking):
    [session] = _sessions(1, capacity=10)
    product = ProductFactory(credits=5)
    customers = CustomerFactory.create_batch(64)
    for c in customers:
        passes.sell(c.id, product.id)
    race = Race(64)
    race.run(lambda n: race.book(customers[n].id, session.id))
    if locking:
        assert race.crashed == []
        assert len(race.booked) == 10 == _live(session=session)
        assert race.refused == ["session_full"] * 54
        _assert_clean()
    else:
        assert _live(session=session) > 10
        assert any("places" in str(p) for p in problems())


@pytest.mark.parametrize(
    ("customers", "credits", "expected"),
    [
        (12, 2, 20),  # 4 sessions x 5 places = 20 < 24 credits: capacity binds
        (8, 2, 16),  # 16 credits < 20 places: credits bind
    ],
)
def test_capacity_and_credits_binding_at_once(business, locking, customers, credits, expected):
    sessions = _sessions(4, capacity=5)
    product = ProductFactory(credits=credits)
    people = CustomerFactory.create_batch(customers)
    for c in people:
        passes.sell(c.id, product.id)

    race = Race(2 * customers)  # each customer books from two devices at once

    def attempt(n: int) -> None:
        order = sessions[:]
        random.Random(n).shuffle(order)
        for s in order:
            race.book(people[n // 2].id, s.id)

    race.run(attempt)
    per_session = [_live(session=s) for s in sessions]
    per_pass = [Pass.objects.get(customer=c).remaining for c in people]
    if locking:
        assert race.crashed == []
        assert len(race.booked) == expected == min(4 * 5, customers * credits)
        assert max(per_session) <= 5 and min(per_pass) >= 0
        _assert_clean()
    else:
        assert max(per_session) > 5 or list(problems())


def test_8_redemptions_of_one_voucher_at_once_credit_it_once(business, locking, monkeypatch):
    from passbook.services import credit, vouchers

    code = vouchers.create(value=Decimal("50"), expires_on=date(2099, 1, 1)).code
    customer = CustomerFactory()
    # every device has read the unused voucher before any credits it
    race_point(monkeypatch, credit, "add", locking=locking, runs=8)
    redeemed, refused = [], []

    def redeem(n: int) -> None:
        try:
            vouchers.redeem(code, customer.id, who=f"device-{n}")
            redeemed.append(n)
        except DomainError as exc:
            refused.append(exc.code)

    run_together(8, redeem)
    balance = credit.balance(customer)
    if locking:
        assert len(redeemed) == 1 and refused == ["invalid_voucher"] * 7
        assert balance == Decimal("50")
    else:  # every device read an unused voucher: the gift was paid out several times
        assert len(redeemed) > 1 and balance > Decimal("50")
