"""The Stripe webhook handler, with events the tests build and sign themselves (no
server): duplicates, out of order, bad signatures, unknown objects, refunds."""

import time
from decimal import Decimal

import pytest
from django.test import Client

from passbook.models import OnlineCheckout, Payment, StripeEvent
from passbook.rules.money import PaymentStatus, payment_status
from passbook.services import online_payments
from tests.integration.helpers import fresh, sell
from tests.payments.conftest import charge, deliver, event, intent

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def bought(business, customer, ten_pack, webhook_secret):
    """A pass bought online: its checkout made, the intent's id written back (as
    `start_checkout` leaves it, without asking any server)."""
    p = sell(customer, ten_pack)
    checkout = online_payments._prepare(p.id)
    online_payments._attach(checkout.id, "pi_test_1", "pi_test_1_secret_x")
    return p


def paid(p) -> PaymentStatus:
    p = fresh(p)
    return payment_status(p.price, p.amount_paid)


def online_payments_of(p):
    return list(Payment.objects.filter(customer_pass=p, method="online").order_by("id"))


def test_succeeded_makes_the_pass_paid_once(client, bought):
    assert paid(bought) is PaymentStatus.UNPAID
    evt = event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000))
    answer = deliver(client, evt)
    assert answer.status_code == 200 and answer.json()["outcome"] == "paid"
    assert paid(bought) is PaymentStatus.PAID
    [payment] = online_payments_of(bought)
    assert (payment.amount, payment.reference) == (D("200.00"), "pi_test_1")
    assert OnlineCheckout.objects.get(customer_pass=bought).status == "paid"
    assert StripeEvent.objects.get(event_id=evt["id"]).outcome == "paid"

    again = deliver(client, evt)  # Stripe's retry of the same event
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    other = deliver(client, event("payment_intent.succeeded", evt["data"]["object"]))
    assert other.json()["outcome"] == "already paid"  # a second event for the same intent
    assert len(online_payments_of(bought)) == 1 and fresh(bought).amount_paid == D("200")


def test_failed_then_succeeded_is_paid(client, bought):
    failed = event(
        "payment_intent.payment_failed",
        intent("pi_test_1", bought.id, 20000, error="Your card was declined."),
    )
    assert deliver(client, failed).json()["outcome"] == "failed"
    checkout = OnlineCheckout.objects.get(customer_pass=bought)
    assert (checkout.status, checkout.failure) == ("failed", "Your card was declined.")
    assert paid(bought) is PaymentStatus.UNPAID

    deliver(client, event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000)))
    checkout.refresh_from_db()
    assert (checkout.status, checkout.failure) == ("paid", "")
    assert paid(bought) is PaymentStatus.PAID


def test_failed_after_succeeded_changes_nothing(client, bought):
    deliver(client, event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000)))
    late = event("payment_intent.payment_failed", intent("pi_test_1", bought.id, 20000, error="x"))
    assert deliver(client, late).json()["outcome"] == "ignored: already paid"
    assert OnlineCheckout.objects.get(customer_pass=bought).status == "paid"
    assert paid(bought) is PaymentStatus.PAID and len(online_payments_of(bought)) == 1


def test_found_by_metadata_before_the_intent_id_is_written(
    client, business, customer, ten_pack, webhook_secret
):
    """The webhook can beat `start_checkout`'s last step (writing the intent's id)."""
    p = sell(customer, ten_pack)
    checkout = online_payments._prepare(p.id)
    deliver(client, event("payment_intent.succeeded", intent("pi_early", p.id, 20000)))
    checkout.refresh_from_db()
    assert (checkout.intent_id, checkout.status) == ("pi_early", "paid")
    online_payments._attach(checkout.id, "pi_early", "pi_early_secret")  # then it lands
    checkout.refresh_from_db()
    assert checkout.intent_id == "pi_early" and checkout.client_secret == "pi_early_secret"


@pytest.mark.parametrize(
    "what", ["wrong secret", "tampered body", "no header", "not json", "too old"]
)
def test_bad_signature_is_refused_and_nothing_changes(client, bought, what):
    evt = event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000))
    if what == "wrong secret":
        answer = deliver(client, evt, secret="whsec_someone_else")
    elif what == "too old":
        answer = deliver(client, evt, at=int(time.time()) - 3600)
    else:
        from tests.payments.conftest import signed

        payload, header = signed(evt)
        if what == "tampered body":
            payload = payload.replace(b"20000", b"1")
        if what == "not json":
            payload, header = signed({})  # signed, but the header is for other bytes
            payload = b"not json"
        answer = client.post(
            "/payments/stripe/webhook/",
            data=payload,
            content_type="application/json",
            **({} if what == "no header" else {"HTTP_STRIPE_SIGNATURE": header}),
        )
    assert answer.status_code == 400
    assert not StripeEvent.objects.exists() and paid(bought) is PaymentStatus.UNPAID


def test_unknown_objects_answer_200_and_are_recorded(client, bought, caplog):
    stranger = event("payment_intent.succeeded", intent("pi_elsewhere", 999999, 500))
    answer = deliver(client, stranger)
    assert answer.status_code == 200 and answer.json()["outcome"] == "unknown payment intent"
    assert "unknown payment intent" in caplog.text
    # metadata naming our pass, but another intent than the one we made for it
    wrong = event("payment_intent.succeeded", intent("pi_other", bought.id, 20000))
    assert deliver(client, wrong).json()["outcome"] == "unknown payment intent"
    refund = event("charge.refunded", charge("pi_elsewhere", 500, 500))
    assert deliver(client, refund).json()["outcome"] == "unknown charge"
    ignored = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert deliver(client, ignored).json()["outcome"] == "ignored"
    assert StripeEvent.objects.count() == 4
    assert paid(bought) is PaymentStatus.UNPAID and not online_payments_of(bought)


def test_refunds_follow_stripes_total_in_any_order(client, bought):
    deliver(client, event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000)))
    part = event("charge.refunded", charge("pi_test_1", 20000, 5000, ["re_1"]))
    full = event("charge.refunded", charge("pi_test_1", 20000, 20000, ["re_1", "re_2"]))
    assert deliver(client, full).json()["outcome"] == "refunded 200.00"  # the later one first
    assert deliver(client, part).json()["outcome"] == "refund already recorded"
    assert deliver(client, full).json()["outcome"] == "duplicate"
    amounts = [p.amount for p in online_payments_of(bought)]
    assert amounts == [D("200.00"), D("-200.00")] and fresh(bought).amount_paid == 0
    assert paid(bought) is PaymentStatus.UNPAID


def test_partial_refunds_add_up(client, bought):
    deliver(client, event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000)))
    deliver(client, event("charge.refunded", charge("pi_test_1", 20000, 5000, ["re_1"])))
    assert paid(bought) is PaymentStatus.PARTLY_PAID and fresh(bought).amount_paid == D("150")
    deliver(client, event("charge.refunded", charge("pi_test_1", 20000, 8000, ["re_1", "re_2"])))
    assert [p.amount for p in online_payments_of(bought)][1:] == [D("-50.00"), D("-30.00")]
    assert fresh(bought).amount_paid == D("120")


def test_the_webhook_needs_no_csrf_token_but_only_takes_post(bought):
    strict = Client(enforce_csrf_checks=True)
    evt = event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000))
    assert deliver(strict, evt).status_code == 200
    assert strict.get("/payments/stripe/webhook/").status_code == 405


def test_off_without_a_webhook_secret(client, bought, settings):
    settings.PASSBOOK_STRIPE_WEBHOOK_SECRET = ""
    evt = event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000))
    assert deliver(client, evt).status_code == 404


def refund_asked(p):
    """A refund of 50 staff asked for and Stripe accepted (its answer written back)."""
    requested = online_payments._request_refund(p.id, D("50"), None)
    return online_payments._refund_answer(requested.id, "re_1", failed=False)


def refund_object(status: str, refund_id: str = "re_1", request_id: str = "") -> dict:
    metadata = {"refund_request": request_id} if request_id else {}
    return {"id": refund_id, "object": "refund", "status": status, "metadata": metadata}


@pytest.mark.parametrize("kind", ["refund.failed", "charge.refund.updated"])
def test_a_failed_refund_changes_no_payment(client, bought, kind):
    deliver(client, event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000)))
    asked = refund_asked(bought)
    failed = event(kind, refund_object("failed"))
    assert deliver(client, failed).json()["outcome"] == "refund failed"
    assert deliver(client, failed).json()["outcome"] == "duplicate"
    asked.refresh_from_db()
    assert asked.status == "failed"
    assert paid(bought) is PaymentStatus.PAID and len(online_payments_of(bought)) == 1
    # a later charge.refunded without this refund records nothing, and leaves it failed
    deliver(client, event("charge.refunded", charge("pi_test_1", 20000, 0, [])))
    asked.refresh_from_db()
    assert asked.status == "failed" and fresh(bought).amount_paid == D("200")
    # the whole amount can be asked again
    assert online_payments._request_refund(bought.id, D("200"), None).amount == D("200")


def test_refund_updates_out_of_order_unknown_and_not_failed(client, bought, caplog):
    deliver(client, event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000)))
    asked = refund_asked(bought)
    pending = event("charge.refund.updated", refund_object("pending"))
    assert deliver(client, pending).json()["outcome"] == "ignored"
    # found by our request's id even before Stripe's refund id was written back
    early = refund_object("failed", "re_early", str(asked.id))
    assert deliver(client, event("refund.failed", early)).json()["outcome"] == "refund failed"
    again = event("charge.refund.updated", refund_object("failed"))
    assert deliver(client, again).json()["outcome"] == "refund failure already recorded"
    stranger = event("refund.failed", refund_object("failed", "re_elsewhere"))
    assert deliver(client, stranger).json()["outcome"] == "unknown refund"
    assert "unknown refund" in caplog.text and paid(bought) is PaymentStatus.PAID


def test_staff_see_refund_failed_on_the_ticket(client, bought):
    from passbook.models import User

    deliver(client, event("payment_intent.succeeded", intent("pi_test_1", bought.id, 20000)))
    refund_asked(bought)
    deliver(client, event("refund.failed", refund_object("failed")))
    manager = Client()
    manager.force_login(User.objects.create(username="manager", role="manager"))
    ticket = manager.get(f"/office/passes/{bought.id}/?tab=payments").content.decode()
    assert 'data-online-refund="failed">50.00 · Refund failed' in ticket
