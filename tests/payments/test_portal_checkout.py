"""The portal's checkout: buy a pass, pay it by card on its page (Stripe.js, against
localstripe), see paying… / paid / payment failed; the Content-Security-Policy lets
Stripe.js in only when online payments are set up."""

import pytest

from passbook.models import Business, OnlineCheckout, Pass
from passbook.web.middleware import CONTENT_SECURITY_POLICY
from tests.payments.conftest import deliver, event, intent
from tests.portal.conftest import logged_in, portal  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def buy(client, product, **choice):
    return client.post(f"/portal/buy/{product.id}/", {"product": product.id, **choice})


def test_without_stripe_the_desk_is_the_only_way(portal):  # noqa: F811
    client = logged_in(portal.a)
    page = client.get(f"/portal/buy/{portal.general.id}/")
    assert "How to pay" not in page.content.decode()
    assert page["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    answer = buy(client, portal.general)
    assert answer.url == "/portal/"


def test_buy_by_card_then_the_webhook_makes_it_paid(portal, stripe_on, client):  # noqa: F811
    customer = logged_in(portal.a)
    page = customer.get(f"/portal/buy/{portal.general.id}/")
    assert "How to pay" in page.content.decode()  # card, or the desk
    policy = page["Content-Security-Policy"]
    assert f"script-src 'self' {stripe_on}" in policy and f"frame-src {stripe_on}" in policy
    assert f"connect-src 'self' {stripe_on}" in policy

    answer = buy(customer, portal.general, pay_with="card")
    p = Pass.objects.get(customer=portal.a)
    assert answer.url == f"/portal/passes/{p.id}/pay/" and p.amount_paid == 0
    checkout = OnlineCheckout.objects.get(customer_pass=p)
    assert checkout.intent_id.startswith("pi_")

    page = customer.get(answer.url).content.decode()
    assert f'data-secret="{checkout.client_secret}"' in page
    assert f'<script src="{stripe_on}/js.stripe.com/v3/"></script>' in page
    assert "/static/portal/pay.js" in page and "<script>" not in page  # no inline scripts

    paying = customer.get(answer.url + "?submitted=1").content.decode()
    assert "Paying…" in paying and 'http-equiv="refresh"' in paying  # the redirect pays nothing
    assert Pass.objects.get(pk=p.pk).amount_paid == 0

    evt = event("payment_intent.succeeded", intent(checkout.intent_id, p.id, 20000))
    assert deliver(client, evt).status_code == 200
    assert "Paid. Thank you!" in customer.get(answer.url + "?submitted=1").content.decode()


def test_a_failed_payment_can_be_tried_again(portal, stripe_on, client):  # noqa: F811
    customer = logged_in(portal.a)
    answer = buy(customer, portal.general, pay_with="card")
    p = Pass.objects.get(customer=portal.a)
    checkout = OnlineCheckout.objects.get(customer_pass=p)
    failed = intent(checkout.intent_id, p.id, 20000, error="Your card was declined.")
    deliver(client, event("payment_intent.payment_failed", failed))
    home = customer.get("/portal/").content.decode()
    assert f'href="/portal/passes/{p.id}/pay/">Pay by card</a>' in home  # the way back
    page = customer.get(answer.url).content.decode()
    assert "Payment failed: Your card was declined." in page
    assert 'id="card-form"' in page  # the card field again, same PaymentIntent


def test_pay_at_the_desk_when_offered_and_not_when_turned_off(portal, stripe_on):  # noqa: F811
    customer = logged_in(portal.a)
    assert buy(customer, portal.general, pay_with="desk").url == "/portal/"
    assert not OnlineCheckout.objects.exists()

    Business.objects.filter(pk=1).update(pay_at_desk=False)
    page = customer.get(f"/portal/buy/{portal.general.id}/").content.decode()
    assert "How to pay" not in page and "At the desk" not in page
    answer = buy(customer, portal.general, pay_with="desk")  # ignored: card only
    assert answer.url.endswith("/pay/") and OnlineCheckout.objects.count() == 1


def test_someone_elses_pass_is_not_found(portal, stripe_on):  # noqa: F811
    answer = buy(logged_in(portal.a), portal.general, pay_with="card")
    assert logged_in(portal.b).get(answer.url).status_code == 404


def test_limits_on_unpaid_passes_are_for_the_desk_not_a_card_paid_now(portal, stripe_on):  # noqa: F811
    """On hold until paid, capped at one unpaid pass: paying at the desk with a class is
    refused with the reason, paying by card is not (the checkout's hold is the limit)."""
    Business.objects.filter(pk=1).update(unpaid_pass_policy="hold", unpaid_passes_per_customer=1)
    customer = logged_in(portal.a)
    with_class = {"sessions": [portal.yoga_class.id]}
    refused = buy(customer, portal.general, pay_with="desk", **with_class)
    assert refused.status_code == 422 and "on hold until paid" in refused.content.decode()
    assert not Pass.objects.exists()

    assert buy(customer, portal.general, pay_with="desk").url == "/portal/"  # no class: sold
    answer = buy(customer, portal.general, pay_with="card", **with_class)  # over the cap too
    p = Pass.objects.get(customer=portal.a, checkout__isnull=False)
    assert answer.url == f"/portal/passes/{p.id}/pay/" and p.bookings.count() == 1
