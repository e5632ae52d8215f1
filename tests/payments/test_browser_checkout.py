"""Buying a pass by card in real Chromium, through localstripe's fake Stripe.js.

localstripe's Stripe.js completes a payment only as 3-D Secure: the PaymentIntent must
already have the card and be confirmed (it then "requires action"), and its
confirmCardPayment() shows a modal to complete the authentication. So the test gives the
intent a 3-D Secure test card on the server's side, and the customer does the rest in the
browser: the card field loads from the configured Stripe.js URL under our CSP, Pay,
authenticate, "Paying…" until localstripe's webhook makes the pass paid."""

import stripe
from playwright.sync_api import expect

from passbook.models import OnlineCheckout, Pass
from tests.browser import shot
from tests.portal.conftest import portal  # noqa: F401 - the fixture
from tests.portal.test_browser import DESKTOP, open_portal


def pay_with_3d_secure(page, intent_id: str) -> None:
    """Give the intent a 3-D Secure test card and confirm it (Stripe's side), then Pay
    and authenticate in the page, until the webhook says paid."""
    card = stripe.PaymentMethod.create(
        type="card",
        card={"number": "4000002500003155", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
    )
    stripe.PaymentIntent.modify(intent_id, payment_method=card.id)
    stripe.PaymentIntent.confirm(intent_id)  # now it asks for 3-D Secure
    page.click("#card-pay")
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_text("Paid. Thank you!")).to_be_visible(timeout=20_000)


def test_buy_a_pass_by_card_end_to_end(browser, live_server, portal, webhooks_to_us):  # noqa: F811
    page = open_portal(browser, live_server, portal.a, DESKTOP)
    page.goto(f"/portal/buy/{portal.general.id}/")
    expect(page.get_by_label("Card, online")).to_be_checked()
    page.click("#buy-form button:has-text('Buy')")
    expect(page.locator("#card-element")).to_contain_text("localstripe")
    shot(page, "portal-checkout")

    p = Pass.objects.get(customer=portal.a)
    checkout = OnlineCheckout.objects.get(customer_pass=p)
    pay_with_3d_secure(page, checkout.intent_id)
    assert Pass.objects.get(pk=p.pk).amount_paid == p.price
    page.context.close()
    assert page.csp == []
