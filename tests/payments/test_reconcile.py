"""`passbook reconcile-payments` against localstripe: agreement, then differences made on
purpose (a refund made at Stripe only, a payment recorded here only)."""

import io
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from django.core.management import CommandError, call_command
from django.test import Client

from passbook import clock
from passbook.models import Business, Payment, StripeEvent
from passbook.services import online_payments, reconcile
from tests.integration.helpers import sell
from tests.payments.conftest import deliver, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean_stripe(stripe_on):
    """Nothing at Stripe but this test's charges."""
    request = urllib.request.Request(f"{stripe_on}/_config/data", method="DELETE")
    urllib.request.urlopen(request).close()
    return stripe_on


def bought_and_paid(customer, product):
    p = sell(customer, product)
    checkout = online_payments.start_checkout(p.id)
    method = stripe.PaymentMethod.create(
        type="card",
        card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
    )
    stripe.PaymentIntent.modify(checkout.intent_id, payment_method=method.id)
    paid = stripe.PaymentIntent.confirm(checkout.intent_id)
    deliver(Client(), event("payment_intent.succeeded", paid.to_dict()))  # as Stripe would
    return p, checkout


def run_cli(*args: str) -> tuple[int, str, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


def today():
    return clock.now().astimezone(Business.current().tz).date()


def test_agreement_then_differences_on_purpose(clean_stripe, business, customer, ten_pack):
    _, first = bought_and_paid(customer, ten_pack)
    second, _ = bought_and_paid(customer, ten_pack)
    assert reconcile.reconcile(today(), today()) == []
    code, out, _ = run_cli("reconcile-payments", "--from", str(today()), "--to", str(today()))
    assert code == 0 and "agree" in out

    stripe.Refund.create(payment_intent=first.intent_id, amount=5000)  # its webhook is lost
    Payment.objects.create(  # and someone typed an online payment Stripe never saw
        customer=customer,
        customer_pass=second,
        amount=Decimal("15.00"),
        method="online",
        reference="pi_never_at_stripe",
        received_at=clock.now(),
        recorded_at=clock.now(),
    )
    found = {str(d) for d in reconcile.reconcile(today(), today())}
    assert found == {
        f"{first.intent_id}: refunded 50.00 at Stripe, 0 recorded here",
        "pi_never_at_stripe: charged 0 at Stripe, 15.00 recorded here",
    }
    code, out, err = run_cli("reconcile-payments", "--from", str(today()), "--to", str(today()))
    assert code == 1 and "pi_never_at_stripe: charged 0" in out and "2 difference(s)" in err


def test_run_jobs_reconciles_yesterday_once(clean_stripe, business, customer, ten_pack, caplog):
    with clock.at(clock.now() - timedelta(days=1)):
        p = sell(customer, ten_pack)
        Payment.objects.create(
            customer=customer,
            customer_pass=p,
            amount=Decimal("9.00"),
            method="online",
            reference="pi_lost",
            received_at=clock.now(),
            recorded_at=clock.now(),
        )
    assert reconcile.daily() == 1 and "pi_lost: charged 0" in caplog.text
    assert reconcile.daily() is None  # once a day
    assert StripeEvent.objects.get(type="passbook.reconcile").outcome == "1 difference(s)"


def test_nothing_without_stripe(business, settings):
    settings.PASSBOOK_STRIPE_SECRET_KEY = ""
    assert reconcile.daily() is None
