"""axe-core on every portal page and the sign-in pages, at desktop and phone width (see
tests/axe.py)."""

import pytest
from playwright.sync_api import expect

from tests.axe import VIEWPORTS, assert_skip_link_first, audit, clock_pinned, new_page, report
from tests.portal.conftest import PASSWORD, sell

__all__ = ["clock_pinned"]

PAGES = [  # src/passbook/web/portal/urls.py, signed in
    "/portal/",
    "/portal/timetable/",
    "/portal/timetable/?week={p.yoga_class.starts_at:%Y-%m-%d}",
    "/portal/bookings/",
    "/portal/buy/",
    "/portal/buy/{p.general.id}/",
    "/portal/calendar/",
    "/portal/card/",
]

SIGNED_OUT = ["/office/login/", "/portal/login/", "/portal/sign-up/", "/portal/password-reset/"]


@pytest.mark.usefixtures("clock_pinned")  # before `portal` makes its sessions
@pytest.mark.parametrize("width", VIEWPORTS)
def test_portal_pages_have_no_critical_or_serious_violations(browser, live_server, portal, width):
    sell(portal.a, portal.general)  # a pass card, with its progress bar
    page = new_page(browser, live_server, width)
    page.goto("/portal/login/")
    page.fill("#id_username", portal.a.email)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.get_by_role("heading", name="My passes")).to_be_visible()
    assert_skip_link_first(page)
    found = audit(page, [path.format(p=portal) for path in PAGES])
    page.context.close()
    assert found == [], report(found)
    assert page.csp == []  # axe went in without loosening the CSP


@pytest.mark.usefixtures("clock_pinned", "business")
@pytest.mark.parametrize("width", VIEWPORTS)
def test_signed_out_pages_have_no_critical_or_serious_violations(browser, live_server, width):
    page = new_page(browser, live_server, width)
    found = audit(page, SIGNED_OUT)
    page.context.close()
    assert found == [], report(found)
    assert page.csp == []
