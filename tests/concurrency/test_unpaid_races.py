"""Unpaid passes under real concurrency, on PostgreSQL: purchases at once by one customer
cannot together go past the cap, nor bookings at once past an unpaid pass's limit. Run
twice, as the other race tests: with the customer lock, and with it off, where the race
shows."""

from decimal import Decimal

import pytest

from passbook.models import Booking, Business, Pass, User
from passbook.models.business import UnpaidPolicy
from passbook.services import bookings, passes
from passbook.services.errors import DomainError
from tests.factories import ClassTypeFactory, CustomerFactory, ProductFactory, SessionFactory
from tests.threads import meet_before, race_point, run_together, widen_race_window

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUYS = 6


def test_6_purchases_at_once_stay_under_a_cap_of_2(business, locking, monkeypatch):
    Business.objects.filter(pk=business.pk).update(unpaid_passes_per_customer=2)
    # every purchase counts before any of the others commits
    race_point(monkeypatch, passes, "_check_unpaid_cap", locking=locking, runs=BUYS)
    buyer = CustomerFactory(user=User.objects.create_user("ada"))
    product = ProductFactory(price=Decimal("200"), online_purchasable=True)
    outcomes: list[str] = []

    def buy(n: int) -> None:
        try:
            passes.sell(buyer.id, product.id, actor=buyer.user)
            outcomes.append("sold")
        except DomainError as exc:
            outcomes.append(exc.code)

    run_together(BUYS, buy)
    sold = Pass.objects.filter(customer=buyer).count()
    if locking:
        assert sorted(outcomes) == ["sold"] * 2 + ["too_many_unpaid_passes"] * (BUYS - 2)
        assert sold == 2
    else:  # each saw only its own new pass: all went past the cap
        assert sold > 2


def test_6_bookings_at_once_on_an_unpaid_pass_limited_to_2(business, locking, monkeypatch):
    Business.objects.filter(pk=business.pk).update(
        unpaid_pass_policy=UnpaidPolicy.LIMITED, unpaid_pass_bookings=2
    )
    if locking:
        widen_race_window(monkeypatch, bookings, "_create")
    else:  # every booking counts the pass's bookings before any of the others commits
        meet_before(monkeypatch, bookings, "paying_pass", BUYS)
    customer = CustomerFactory()
    p = passes.sell(customer.id, ProductFactory(price=Decimal("200")).id)
    yoga = ClassTypeFactory()
    sessions = [SessionFactory(class_type=yoga).id for _ in range(BUYS)]
    outcomes: list[str] = []

    def book(n: int) -> None:
        try:
            bookings.book(customer.id, sessions[n])
            outcomes.append("booked")
        except DomainError as exc:
            outcomes.append(exc.code)

    run_together(BUYS, book)
    live = Booking.objects.filter(customer_pass=p, status__in=Booking.LIVE).count()
    if locking:
        assert sorted(outcomes) == ["booked"] * 2 + ["no_usable_pass"] * (BUYS - 2)
        assert live == 2
    else:
        assert live > 2
