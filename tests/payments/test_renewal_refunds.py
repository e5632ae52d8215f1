"""A renewal paid by the card on file, against localstripe: refunded from the pass ticket
like a card checkout, and counted by `reconcile-payments` (with a difference on purpose)."""

import urllib.request
from decimal import Decimal

import pytest
from django.test import Client

from passbook.models import Business, Payment, Renewal, User
from passbook.models.online import OnlineRefund, RenewalCharge
from passbook.rules.money import PaymentStatus, payment_status
from passbook.services import online_payments, reconcile, subscriptions
from tests.integration.helpers import fresh
from tests.payments.conftest import deliver, event
from tests.payments.test_cards_on_file import (  # noqa: F401 - fixtures
    START,
    ada,
    clock_at,
    monthly,
    run_job,
    stripe_says,
    with_card,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def renewal_paid(stripe_on, clock_at, ada, monthly):  # noqa: F811
    urllib.request.urlopen(  # nothing at Stripe but this test's charges
        urllib.request.Request(f"{stripe_on}/_config/data", method="DELETE")
    ).close()
    with_card(ada)
    sub = subscriptions.start(ada.id, monthly.id)
    run_job()
    charge = RenewalCharge.objects.get(renewal__subscription=sub)
    assert stripe_says("payment_intent.succeeded", charge.intent_id).json()["outcome"] == "paid"
    return Renewal.objects.get(subscription=sub).issued_pass, charge


def test_a_renewal_is_refunded_from_the_ticket(renewal_paid):
    p, charge = renewal_paid
    manager = Client()
    manager.force_login(User.objects.create(username="manager", role="manager"))
    ticket = manager.get(f"/office/passes/{p.id}/?tab=payments").content.decode()
    assert 'id="online-refund-form"' in ticket

    url = f"/office/passes/{p.id}/online-refunds/"
    too_much = manager.post(url, {"online-refund-amount": "151"}, follow=True)
    assert "At most 150.00 can be refunded online." in too_much.content.decode()
    manager.post(url, {"online-refund-amount": "40"})
    [asked] = OnlineRefund.objects.all()
    assert (asked.renewal_charge, asked.checkout, asked.amount) == (charge, None, 40)
    assert asked.refund_id.startswith("re_") and fresh(p).amount_paid == Decimal("150")

    api = online_payments.client()
    intent = api.PaymentIntent.retrieve(charge.intent_id)
    latest = intent.latest_charge
    stripe_charge = api.Charge.retrieve(latest if isinstance(latest, str) else latest.id)
    answer = deliver(Client(), event("charge.refunded", stripe_charge.to_dict()))
    assert answer.json()["outcome"] == "refunded 40.00"
    asked.refresh_from_db()
    assert asked.status == "succeeded" and fresh(p).amount_paid == Decimal("110")
    p = fresh(p)
    assert payment_status(p.price, p.amount_paid) is PaymentStatus.PARTLY_PAID
    assert (
        "40.00 · Refunded" in manager.get(f"/office/passes/{p.id}/?tab=payments").content.decode()
    )
    day = START.astimezone(Business.current().tz).date()
    assert reconcile.reconcile(day, day) == []


def test_reconciliation_counts_renewal_charges(renewal_paid):
    p, charge = renewal_paid
    day = START.astimezone(Business.current().tz).date()
    assert reconcile.reconcile(day, day) == []
    # on purpose: the renewal's payment recorded here is 10 short of what Stripe charged
    Payment.objects.filter(reference=charge.intent_id).update(amount=Decimal("140"))
    assert [str(d) for d in reconcile.reconcile(day, day)] == [
        f"{charge.intent_id}: charged 150.00 at Stripe, 140.00 recorded here"
    ]
