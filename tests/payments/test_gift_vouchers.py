"""Gift vouchers bought in the portal by card: the voucher (its code) exists only once
the webhook confirms the payment, once, in any order; the code is emailed and shown; a
refund cancels an unused voucher, and a failed refund gives it back."""

from decimal import Decimal

import pytest
import stripe
from django.test import Client

from passbook.models import GiftVoucher, Notification, Payment, StripeEvent, User
from passbook.models.online import GiftPurchase, OnlineRefund
from passbook.services import errors, gift_purchases, online_payments, vouchers
from tests.payments.conftest import charge, deliver, event
from tests.portal.conftest import _customer, logged_in

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def ada(business):
    return _customer("Ada")


def gift_intent(intent_id: str, purchase_id: int, amount: int, error: str | None = None) -> dict:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": 0 if error else amount,
        "currency": "usd",
        "metadata": {"gift_purchase_id": str(purchase_id)},
        "status": "requires_payment_method" if error else "succeeded",
        "last_payment_error": {"message": error} if error else None,
    }


@pytest.fixture
def ordered(ada, webhook_secret):
    """A gift voucher ordered, its intent's id written back (as `buy` leaves it, without
    asking any server)."""
    purchase = gift_purchases._prepare(ada.id, D("40"), "Bea Gift", "bea@example.com")
    return gift_purchases._attach(purchase.id, "pi_gift_1", "pi_gift_1_secret_x")


def paid_event(purchase: GiftPurchase, intent_id: str = "pi_gift_1") -> dict:
    return event("payment_intent.succeeded", gift_intent(intent_id, purchase.id, 4000))


def again(purchase: GiftPurchase) -> GiftPurchase:
    return GiftPurchase.objects.select_related("voucher").get(pk=purchase.pk)


def test_the_voucher_is_issued_once_on_the_webhook(client, ordered, ada):
    assert again(ordered).voucher is None and not GiftVoucher.objects.exists()
    evt = paid_event(ordered)
    assert deliver(client, evt).json()["outcome"] == "voucher issued"
    assert deliver(client, evt).json()["outcome"] == "duplicate"
    assert deliver(client, paid_event(ordered)).json()["outcome"] == "already paid"

    voucher = again(ordered).voucher
    assert voucher is not None and (voucher.value, voucher.price) == (D("40"), D("40"))
    assert voucher.sold_to == ada and GiftVoucher.objects.count() == 1
    [money] = Payment.objects.filter(voucher=voucher)
    assert (money.amount, money.method, money.reference) == (D("40.00"), "online", "pi_gift_1")
    sent = {m.to: m for m in Notification.objects.filter(key__startswith="gift-voucher:")}
    assert set(sent) == {"bea@example.com", ada.email}
    assert all(voucher.code in m.body for m in sent.values())


def test_failed_then_succeeded_and_the_other_way_round(client, ordered):
    declined = gift_intent("pi_gift_1", ordered.id, 4000, error="Your card was declined.")
    answer = deliver(client, event("payment_intent.payment_failed", declined))
    assert answer.json()["outcome"] == "failed"
    assert (again(ordered).status, again(ordered).voucher) == ("failed", None)
    deliver(client, paid_event(ordered))
    assert again(ordered).status == "paid" and again(ordered).voucher is not None
    late = event("payment_intent.payment_failed", declined)
    assert deliver(client, late).json()["outcome"] == "ignored: already paid"
    assert again(ordered).status == "paid" and GiftVoucher.objects.count() == 1


def test_found_by_metadata_before_the_intent_id_is_written(client, ada, webhook_secret):
    purchase = gift_purchases._prepare(ada.id, D("25"), "Bea", "bea@example.com")
    deliver(client, paid_event(purchase, "pi_early"))
    gift_purchases._attach(purchase.id, "pi_early", "pi_early_secret")
    assert again(purchase).intent_id == "pi_early" and again(purchase).voucher is not None


def test_unknown_gift_intents_answer_200_and_issue_nothing(client, ordered, caplog):
    stranger = event("payment_intent.succeeded", gift_intent("pi_x", 999999, 4000))
    assert deliver(client, stranger).json()["outcome"] == "unknown payment intent"
    other = event("payment_intent.succeeded", gift_intent("pi_other", ordered.id, 4000))
    assert deliver(client, other).json()["outcome"] == "unknown payment intent"
    assert not GiftVoucher.objects.exists() and StripeEvent.objects.count() == 2
    assert "unknown payment intent" in caplog.text


@pytest.mark.parametrize(
    "amount, name, email, field",
    [
        ("9.99", "Bea", "bea@example.com", "amount"),
        ("500.01", "Bea", "bea@example.com", "amount"),
        ("20.001", "Bea", "bea@example.com", "amount"),
        ("20", " ", "bea@example.com", "recipient_name"),
        ("20", "Bea", "not an address", "recipient_email"),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_made(ada, amount, name, email, field):
    with pytest.raises(errors.InvalidInput) as refused:
        gift_purchases._prepare(ada.id, D(amount), name, email)
    assert refused.value.details["field"] == field and not GiftPurchase.objects.exists()


def refund_requested(purchase: GiftPurchase) -> OnlineRefund:
    requested = gift_purchases._request_refund(purchase.id, None)
    return online_payments._refund_answer(requested.id, "re_gift_1", failed=False)


def test_a_refund_cancels_an_unused_voucher(client, ordered, ada):
    deliver(client, paid_event(ordered))
    voucher = again(ordered).voucher
    requested = refund_requested(ordered)
    assert requested.amount == D("40.00") and GiftVoucher.objects.get(pk=voucher.pk).voided_at
    with pytest.raises(errors.InvalidVoucher, match="cancelled"):
        vouchers.redeem(voucher.code, ada.id, who="test")
    with pytest.raises(errors.InvalidVoucher, match="already cancelled"):
        gift_purchases._request_refund(ordered.id, None)

    refunded = event("charge.refunded", charge("pi_gift_1", 4000, 4000, ["re_gift_1"]))
    assert deliver(client, refunded).json()["outcome"] == "refunded 40.00"
    assert deliver(client, refunded).json()["outcome"] == "duplicate"
    amounts = [p.amount for p in Payment.objects.filter(voucher=voucher).order_by("id")]
    assert amounts == [D("40.00"), D("-40.00")]
    assert OnlineRefund.objects.get().status == "succeeded"
    page = logged_in(ada).get(f"/portal/gift/{ordered.id}/").content.decode()
    assert "was refunded" in page and voucher.code not in page


def test_a_failed_refund_gives_the_voucher_back(client, ordered, ada):
    deliver(client, paid_event(ordered))
    voucher = again(ordered).voucher
    refund_requested(ordered)
    failed = {"id": "re_gift_1", "object": "refund", "status": "failed", "metadata": {}}
    assert deliver(client, event("refund.failed", failed)).json()["outcome"] == "refund failed"
    assert OnlineRefund.objects.get().status == "failed"
    assert GiftVoucher.objects.get(pk=voucher.pk).voided_at is None
    vouchers.redeem(voucher.code, ada.id, who="test")  # it works again
    with pytest.raises(errors.InvalidVoucher, match="has been used"):
        gift_purchases._request_refund(ordered.id, None)


def test_an_unpaid_order_cannot_be_refunded(ordered):
    with pytest.raises(errors.NotPaidOnline):
        gift_purchases._request_refund(ordered.id, None)


# The portal, against localstripe.


def test_the_portal_page_orders_and_shows_the_code_once_paid(stripe_on, ada, client):
    customer = logged_in(ada)
    page = customer.get("/portal/gift/")
    assert page.status_code == 200 and "Continue to payment" in page.content.decode()
    refused = customer.post(
        "/portal/gift/",
        {"amount": "5", "recipient_name": "Bea", "recipient_email": "bea@example.com"},
    )
    assert refused.status_code == 422 and not GiftPurchase.objects.exists()

    answer = customer.post(
        "/portal/gift/",
        {"amount": "40", "recipient_name": "Bea", "recipient_email": "bea@example.com"},
    )
    purchase = GiftPurchase.objects.get()
    assert answer.url == f"/portal/gift/{purchase.id}/" and purchase.intent_id.startswith("pi_")
    intent = stripe.PaymentIntent.retrieve(purchase.intent_id)
    assert intent.amount == 4000 and intent.metadata["gift_purchase_id"] == str(purchase.id)
    unpaid = customer.get(answer.url).content.decode()
    assert f'data-secret="{purchase.client_secret}"' in unpaid and "/static/portal/pay.js" in unpaid
    paying = customer.get(answer.url + "?submitted=1").content.decode()
    assert "Paying…" in paying and not GiftVoucher.objects.exists()  # the redirect issues nothing

    deliver(client, event("payment_intent.succeeded", gift_intent(intent.id, purchase.id, 4000)))
    code = again(purchase).voucher.code
    assert code in customer.get(answer.url).content.decode()
    assert logged_in(_customer("Cy")).get(answer.url).status_code == 404  # only the buyer's


def test_a_refund_goes_to_stripe(stripe_on, ada, client):
    purchase = gift_purchases.buy(
        ada.id, D("30"), recipient_name="Bea", recipient_email="bea@example.com"
    )
    method = stripe.PaymentMethod.create(
        type="card",
        card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
    )
    stripe.PaymentIntent.modify(purchase.intent_id, payment_method=method.id)
    paid = stripe.PaymentIntent.confirm(purchase.intent_id)
    deliver(client, event("payment_intent.succeeded", paid.to_dict()))
    manager = Client()
    manager.force_login(User.objects.create(username="mo", role=User.Role.MANAGER))
    voucher = again(purchase).voucher
    assert "Refund to card" in manager.get("/office/vouchers/").content.decode()
    assert manager.post(f"/office/vouchers/{voucher.id}/refund/").status_code == 302
    requested = OnlineRefund.objects.get(gift=purchase)
    assert requested.refund_id.startswith("re_") and requested.status == "requested"
    assert stripe.Refund.retrieve(requested.refund_id).amount == 3000
    page = manager.get("/office/vouchers/").content.decode()
    assert "Cancelled (refunded)" in page and "Refund to card" not in page
