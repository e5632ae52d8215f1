"""Checkout against a real (fake) Stripe server: localstripe makes the PaymentIntent,
charges a test card, and sends its signed webhook to our live server."""

import contextlib
import time
from decimal import Decimal

import pytest
import stripe

from passbook.models import OnlineCheckout, Payment
from passbook.services import online_payments
from tests.integration.helpers import fresh, sell

pytestmark = pytest.mark.django_db(transaction=True)


def card(number: str) -> str:
    return stripe.PaymentMethod.create(
        type="card", card={"number": number, "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    ).id


def wait_for(checkout: OnlineCheckout, status: str) -> OnlineCheckout:
    for _ in range(100):  # localstripe sends its webhooks a second after the charge
        checkout.refresh_from_db()
        if checkout.status == status:
            return checkout
        time.sleep(0.1)
    raise AssertionError(f"still {checkout.status}, not {status}")


def pay(checkout: OnlineCheckout, number: str) -> None:
    stripe.PaymentIntent.modify(checkout.intent_id, payment_method=card(number))
    stripe.PaymentIntent.confirm(checkout.intent_id)


def test_a_pass_turns_paid_on_the_webhook_not_before(webhooks_to_us, business, customer, ten_pack):
    p = sell(customer, ten_pack)
    checkout = online_payments.start_checkout(p.id)
    assert checkout.intent_id.startswith("pi_") and checkout.client_secret
    assert online_payments.start_checkout(p.id).intent_id == checkout.intent_id  # one per pass

    intent = stripe.PaymentIntent.retrieve(checkout.intent_id)
    assert (intent.amount, intent.currency) == (20000, "usd")
    assert intent.metadata["pass_id"] == str(p.id)

    pay(checkout, "4242424242424242")
    assert fresh(p).amount_paid == 0  # charged, but not paid until the webhook says so
    wait_for(checkout, "paid")
    [payment] = Payment.objects.filter(customer_pass=p)
    assert (payment.method, payment.reference) == ("online", checkout.intent_id)
    assert fresh(p).amount_paid == p.price


def test_a_declined_card_shows_as_failed(webhooks_to_us, business, customer, ten_pack):
    p = sell(customer, ten_pack)
    checkout = online_payments.start_checkout(p.id)
    with contextlib.suppress(stripe.CardError):  # the confirm may answer the decline at once
        pay(checkout, "4000000000000341")  # attaches, then declines
    checkout = wait_for(checkout, "failed")
    assert checkout.failure and fresh(p).amount_paid == 0


def test_refund_through_stripe_is_recorded_on_the_webhook(
    webhooks_to_us, business, customer, ten_pack
):
    p = sell(customer, ten_pack)
    checkout = online_payments.start_checkout(p.id)
    pay(checkout, "4242424242424242")
    wait_for(checkout, "paid")

    asked = online_payments.refund(p.id, Decimal("50"))
    assert asked.refund_id.startswith("re_") and asked.status == "requested"
    assert fresh(p).amount_paid == p.price  # not yet: Stripe's webhook confirms it
    [refund] = stripe.Refund.list(payment_intent=checkout.intent_id).data
    assert refund.amount == 5000

    # localstripe sends no refund events: deliver the charge as Stripe would describe it.
    from django.test import Client

    from tests.payments.conftest import deliver, event

    charge = stripe.PaymentIntent.retrieve(checkout.intent_id).latest_charge
    charge = stripe.Charge.retrieve(charge if isinstance(charge, str) else charge.id)
    answer = deliver(Client(), event("charge.refunded", charge.to_dict()))
    assert answer.json()["outcome"] == "refunded 50.00"
    assert fresh(p).amount_paid == p.price - 50
    asked.refresh_from_db()
    assert asked.status == "succeeded"


def test_staff_refund_from_the_ticket(webhooks_to_us, business, customer, ten_pack):
    from django.test import Client

    from passbook.models import OnlineRefund, User

    p = sell(customer, ten_pack)
    checkout = online_payments.start_checkout(p.id)
    pay(checkout, "4242424242424242")
    wait_for(checkout, "paid")
    staff = {role: Client() for role in ("frontdesk", "manager")}
    for role, client in staff.items():
        client.force_login(User.objects.create(username=role, role=role))
    ticket = staff["manager"].get(f"/office/passes/{p.id}/?tab=payments").content.decode()
    assert 'id="online-refund-form"' in ticket and "card payment: <span" in ticket

    url = f"/office/passes/{p.id}/online-refunds/"
    assert staff["frontdesk"].post(url, {"online-refund-amount": "20"}).status_code == 403
    too_much = staff["manager"].post(url, {"online-refund-amount": "250"}, follow=True)
    assert "At most 200.00 can be refunded online." in too_much.content.decode()
    staff["manager"].post(url, {"online-refund-amount": "20"})
    [asked] = OnlineRefund.objects.all()
    assert (asked.amount, asked.status) == (20, "requested") and asked.refund_id
    assert fresh(p).amount_paid == p.price
    [refund] = stripe.Refund.list(payment_intent=checkout.intent_id).data
    assert refund.amount == 2000
