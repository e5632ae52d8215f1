"""The same webhook delivered ten times at once gives one payment (PostgreSQL, real
threads). Run with the row locks and without (the `locking` fixture): the event's unique
id holds even without locks; ten different events for one intent need the lock."""

import pytest
from django.test import Client

from passbook.models import Payment, StripeEvent
from passbook.services import online_payments
from tests.integration.helpers import fresh, sell
from tests.payments.conftest import deliver, event, intent
from tests.threads import meet_before, run_together, widen_race_window

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bought(business, customer, ten_pack, webhook_secret, monkeypatch):
    widen_race_window(monkeypatch, online_payments, "add_payment", 0.02)
    p = sell(customer, ten_pack)
    checkout = online_payments._prepare(p.id)
    online_payments._attach(checkout.id, "pi_race", "pi_race_secret")
    return p


def test_the_same_event_ten_times_at_once_pays_once(bought, locking):
    evt = event("payment_intent.succeeded", intent("pi_race", bought.id, 20000))
    answers = run_together(10, lambda n: deliver(Client(), evt))
    assert [a.status_code for a in answers] == [200] * 10
    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes == ["duplicate"] * 9 + ["paid"]
    assert Payment.objects.filter(customer_pass=bought).count() == 1
    assert StripeEvent.objects.count() == 1 and fresh(bought).amount_paid == bought.price


def test_ten_events_for_one_intent_at_once_pay_once_under_the_lock(bought, locking, monkeypatch):
    if not locking:  # all ten have found no payment before any writes: the race, every time
        meet_before(monkeypatch, online_payments, "add_payment", runs=10)
    events = [
        event("payment_intent.succeeded", intent("pi_race", bought.id, 20000)) for _ in range(10)
    ]
    answers = run_together(10, lambda n: deliver(Client(), events[n]))
    assert [a.status_code for a in answers] == [200] * 10
    paid = Payment.objects.filter(customer_pass=bought).count()
    if locking:
        assert paid == 1 and fresh(bought).amount_paid == bought.price
    else:  # without the customer lock, each sees no payment yet: the race is real
        assert paid > 1


def test_ten_events_for_one_gift_at_once_issue_one_voucher(
    business, customer, webhook_secret, locking, monkeypatch
):
    from decimal import Decimal

    from passbook.models import GiftVoucher
    from passbook.services import gift_purchases
    from tests.payments.test_gift_vouchers import gift_intent

    if not locking:  # each event's first delivery finds no voucher before any is issued
        meet_before(monkeypatch, gift_purchases, "_issue", runs=5)
    purchase = gift_purchases._prepare(customer.id, Decimal("40"), "Bea", "bea@example.com")
    gift_purchases._attach(purchase.id, "pi_gift_race", "pi_gift_race_secret")
    events = [
        event("payment_intent.succeeded", gift_intent("pi_gift_race", purchase.id, 4000))
        for _ in range(10)
    ]
    answers = run_together(10, lambda n: deliver(Client(), events[n % 5]))  # 5 events, twice
    assert [a.status_code for a in answers] == [200] * 10
    if not locking:  # without the buyer's lock, each of the five issued a voucher
        assert GiftVoucher.objects.count() == 5
        return
    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes == ["already paid"] * 4 + ["duplicate"] * 5 + ["voucher issued"]
    assert (
        GiftVoucher.objects.count() == 1
        and Payment.objects.filter(voucher__isnull=False).count() == 1
    )
