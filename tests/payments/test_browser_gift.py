"""Buying a gift voucher by card in real Chromium, through localstripe's fake Stripe.js
(3-D Secure, as in test_browser_checkout): the code shows only once localstripe's webhook
has confirmed the payment."""

import stripe
from playwright.sync_api import expect

from passbook.models.online import GiftPurchase
from tests.browser import shot
from tests.portal.conftest import portal  # noqa: F401 - the fixture
from tests.portal.test_browser import DESKTOP, open_portal


def test_give_a_gift_voucher_by_card(browser, live_server, portal, webhooks_to_us):  # noqa: F811
    page = open_portal(browser, live_server, portal.a, DESKTOP)
    page.get_by_role("link", name="Gift voucher").click()
    page.get_by_label("Amount").fill("40")
    page.get_by_label("For (name)").fill("Bea Gift")
    page.get_by_label("Their email address").fill("bea@example.com")
    page.click("#gift-form button:has-text('Continue to payment')")
    expect(page.locator("#card-element")).to_contain_text("localstripe")
    expect(page.locator("#voucher-code")).to_have_count(0)  # no code before the payment

    purchase = GiftPurchase.objects.get(buyer=portal.a)
    card = stripe.PaymentMethod.create(
        type="card",
        card={"number": "4000002500003155", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
    )
    stripe.PaymentIntent.modify(purchase.intent_id, payment_method=card.id)
    stripe.PaymentIntent.confirm(purchase.intent_id)  # now it asks for 3-D Secure

    page.click("#card-pay")
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_text("Paid. Thank you!")).to_be_visible(timeout=20_000)
    purchase.refresh_from_db()
    assert purchase.voucher is not None
    expect(page.locator("#voucher-code")).to_have_text(purchase.voucher.code)
    shot(page, "portal-gift-voucher")
    page.context.close()
    assert page.csp == []
