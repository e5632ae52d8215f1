"""Saving a card in real Chromium through localstripe's fake Stripe.js, then a declined
renewal on the customer's card page and on the back office's past-due list (the user
guide's screenshots)."""

from decimal import Decimal

from playwright.sync_api import expect

from passbook.jobs import Report, charge_renewals
from passbook.models import Plan
from passbook.models.online import CardOnFile
from passbook.services import subscriptions
from tests.browser import shot
from tests.portal.conftest import portal  # noqa: F401 - the fixture
from tests.portal.test_browser import DESKTOP, open_portal
from tests.web.conftest import office  # noqa: F401 - the fixture
from tests.web.test_browser import signed_in


def test_save_a_card_then_a_declined_renewal_is_listed(
    browser,
    live_server,
    portal,  # noqa: F811
    office,  # noqa: F811
    stripe_on,
):
    page = open_portal(browser, live_server, portal.a, DESKTOP)
    page.goto("/portal/card/")
    expect(page.get_by_text("No card saved")).to_be_visible()
    page.click("button:has-text('Add a card')")
    expect(page.locator("#card-element")).to_contain_text("localstripe")
    for field, value in {
        "number": "4000000000000341",  # saves, then declines every charge
        "exp_month": "12",
        "exp_year": "30",
        "cvc": "123",
        "postal_code": "10115",
    }.items():
        page.fill(f"#card-element input[placeholder='{field}']", value)
    page.click("#card-save")
    expect(page.get_by_text("Your card is saved.")).to_be_visible(timeout=20_000)
    assert CardOnFile.objects.get(customer=portal.a).last4 == "0341"

    plan = Plan.objects.create(
        name="Monthly unlimited", product=portal.general, interval="month", price=Decimal("150")
    )
    subscriptions.start(portal.a.id, plan.id)
    charge_renewals(report := Report())
    assert report.counts == {"renewal charges": 1}
    page.goto("/portal/card/")
    expect(page.locator("#unpaid-renewals")).to_contain_text("Monthly unlimited")
    shot(page, "portal-card")
    page.context.close()
    assert page.csp == []

    staff = signed_in(browser, live_server, viewport=DESKTOP)
    staff.click("a.nav-link:has-text('Past due')")
    row = staff.locator("#past-due tbody tr").first
    expect(row).to_contain_text("Ada Test")
    expect(row).to_contain_text("150.00 USD")
    shot(staff, "office-past-due")
    staff.context.close()
    assert staff.csp == []
