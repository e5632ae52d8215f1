"""axe-core on every back-office page, at desktop and phone width (see tests/axe.py)."""

import pytest
from playwright.sync_api import expect

from tests.axe import VIEWPORTS, assert_skip_link_first, audit, clock_pinned, new_page, report
from tests.web.conftest import PASSWORD

__all__ = ["clock_pinned"]

PAGES = [  # tests/web/test_views.py's PAGES (less the CSV export), and the new-item forms
    "/office/passes/",
    "/office/passes/{o.pass_ada.id}/",
    "/office/passes/{o.pass_ada.id}/?tab=payments",
    "/office/passes/{o.pass_ada.id}/?tab=history",
    "/office/schedule/",
    "/office/sessions/{o.session.id}/",
    "/office/sessions/{o.session.id}/?customer={o.ada.id}",
    "/office/bookings/",
    "/office/customers/",
    "/office/customers/new/",
    "/office/customers/{o.ada.id}/",
    "/office/catalog/",
    "/office/catalog/products/new/",
    "/office/catalog/class-types/{o.yoga.id}/",
    "/office/catalog/staff/new/",
    "/office/catalog/plans/",
    "/office/settings/",
    "/office/staff/",
    "/office/vouchers/",
    "/office/reports/",
    "/office/passes/extend/",
    "/office/past-due/",
]


def signed_in(browser, live_server, width="desktop"):
    page = new_page(browser, live_server, width)
    page.goto("/office/login/")
    page.fill("#id_username", "owner")  # the owner reaches every page
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.get_by_role("heading", name="Sales › Passes")).to_be_visible()
    return page


@pytest.mark.usefixtures("clock_pinned")  # before `office` makes its sessions
@pytest.mark.parametrize("width", VIEWPORTS)
def test_office_pages_have_no_critical_or_serious_violations(browser, live_server, office, width):
    page = signed_in(browser, live_server, width)
    found = audit(page, [path.format(o=office) for path in PAGES])
    page.context.close()
    assert found == [], report(found)
    assert page.csp == []  # axe went in without loosening the CSP


@pytest.mark.usefixtures("clock_pinned", "office")
def test_skip_to_content_is_the_first_stop(browser, live_server):
    page = signed_in(browser, live_server)
    try:
        assert_skip_link_first(page)
    finally:
        page.context.close()


@pytest.mark.usefixtures("clock_pinned")
def test_focus_stays_on_the_roster_row_after_an_action(browser, live_server, office):
    page = signed_in(browser, live_server)
    page.goto(f"/office/sessions/{office.session.id}/")
    row = page.locator(f"#booking-{office.booking.id}")
    row.get_by_role("button", name="Check in").focus()
    page.keyboard.press("Enter")  # htmx swaps the row
    expect(row.locator(".status")).to_have_text("Attended")
    expect(row.get_by_role("button", name="Undo check-in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.locator(".status")).to_have_text("Booked")
    expect(row.get_by_role("button", name="Check in")).to_be_focused()
    page.context.close()
    assert page.csp == []


@pytest.mark.usefixtures("clock_pinned")
def test_each_label_on_the_pass_ticket_focuses_its_own_field(browser, live_server, office):
    page = signed_in(browser, live_server)
    page.goto(f"/office/passes/{office.pass_ada.id}/")
    void = page.locator("#void-form")
    page.locator("summary", has_text="Void").click()
    void.get_by_text("Reason").click()  # it focused Edit total's reason (both were id_reason)
    expect(void.locator("input[name='reason']")).to_be_focused()
    page.context.close()
