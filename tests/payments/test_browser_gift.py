"""Buying a gift voucher by card in real Chromium, through localstripe's fake Stripe.js
(3-D Secure, as in test_browser_checkout): the code shows only once localstripe's webhook
has confirmed the payment."""

from playwright.sync_api import expect

from passbook.models.online import GiftPurchase
from tests.browser import shot
from tests.payments.test_browser_checkout import pay_with_3d_secure
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
    pay_with_3d_secure(page, purchase.intent_id)
    purchase.refresh_from_db()
    assert purchase.voucher is not None
    expect(page.locator("#voucher-code")).to_have_text(purchase.voucher.code)
    shot(page, "portal-gift-voucher")
    page.context.close()
    assert page.csp == []
