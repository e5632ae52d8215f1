"""A pass bought by card holds its places for PASSBOOK_CHECKOUT_HOLD_MINUTES: unpaid by
then, its PaymentIntent is canceled at Stripe (localstripe) and the pass voided, which
releases the places with ledger entries. Paid meanwhile, nothing is released."""

from datetime import timedelta

import pytest
import stripe
import time_machine

from passbook import clock
from passbook.jobs import Report, release_unpaid_checkouts
from passbook.models import Booking, OnlineCheckout
from passbook.services import online_payments
from tests.integration.helpers import fresh, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(stripe_on, business, customer, ten_pack, session):
    p = sell(customer, ten_pack, session_ids=[session.id])
    return p, online_payments.start_checkout(p.id)


def run_jobs_in(minutes: int) -> Report:
    report = Report()
    with time_machine.travel(clock.now() + timedelta(minutes=minutes), tick=False):
        release_unpaid_checkouts(report)
    return report


def test_unpaid_in_time_releases_the_pass_and_its_place(held, session):
    p, checkout = held
    assert run_jobs_in(14).counts == {"unpaid card purchases released": 0}
    assert run_jobs_in(16).counts == {"unpaid card purchases released": 1}
    p = fresh(p)
    assert p.voided_at is not None
    assert p.entries.filter(kind="void", reason__contains="not paid by card").exists()
    assert Booking.objects.get(session=session).status == Booking.Status.CANCELLED
    assert stripe.PaymentIntent.retrieve(checkout.intent_id).status == "canceled"
    checkout.refresh_from_db()
    assert checkout.status == "failed" and "released" in checkout.failure
    assert run_jobs_in(30).counts == {"unpaid card purchases released": 0}  # once


def test_charged_but_not_yet_confirmed_is_not_released(held, session):
    p, checkout = held
    card = stripe.PaymentMethod.create(
        type="card",
        card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
    )
    stripe.PaymentIntent.modify(checkout.intent_id, payment_method=card.id)
    stripe.PaymentIntent.confirm(checkout.intent_id)  # its webhook is still on its way
    assert run_jobs_in(16).counts == {"unpaid card purchases released": 0}
    assert fresh(p).voided_at is None
    assert Booking.objects.get(session=session).status == Booking.Status.BOOKED
    assert OnlineCheckout.objects.get(pk=checkout.pk).status == "pending"
