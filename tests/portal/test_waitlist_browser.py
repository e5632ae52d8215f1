"""The waitlist in real Chromium: a full class, a join, a cancellation by someone else,
and the promoted customer's booking paid by the pass the spend rule picks. Then the back
office: more places for a full class, given to the first in line."""

import pytest
from playwright.sync_api import expect

from passbook.models import Booking, User
from passbook.services import bookings, schedule, waitlists
from tests.browser import shot
from tests.portal.conftest import sell
from tests.portal.test_browser import DESKTOP, open_portal, session_row, week_of
from tests.web.conftest import password_hash
from tests.web.test_browser import signed_in


@pytest.fixture
def full_pilates(portal):
    """The Pilates class has one place, taken by Bea; Ada holds a 10-class pass and a
    Pilates pass (which the spend rule picks for Pilates, by priority)."""
    schedule.change_places(portal.pilates_class.id, capacity=1)
    sell(portal.b, portal.general)
    bookings.book(portal.b.id, portal.pilates_class.id)
    sell(portal.a, portal.general)
    sell(portal.a, portal.pilates_only)
    return portal.pilates_class


def test_join_a_full_class_and_get_the_place_someone_else_gives_up(
    browser, live_server, portal, full_pilates
):
    ada = open_portal(browser, live_server, portal.a)
    ada.goto(week_of(full_pilates))
    row = session_row(ada, full_pilates)
    expect(row.locator(".badge")).to_have_text("Full")
    expect(row.locator(".pays")).to_have_text("1.00 CR from Pilates pass")
    row.get_by_role("button", name="Join waitlist").click()
    expect(session_row(ada, full_pilates).locator(".waitlist")).to_have_text(
        "You're #1 on the waitlist"
    )
    shot(ada, "waitlist-joined-phone")

    bea = open_portal(browser, live_server, portal.b)
    bea.goto("/portal/bookings/")
    bea.locator("#upcoming li", has_text="Mat Pilates").get_by_role("link", name="Cancel").click()
    bea.get_by_role("button", name="Yes, cancel").click()
    expect(bea.get_by_text("Booking cancelled.")).to_be_visible()
    bea.context.close()

    ada.goto("/portal/")
    expect(ada.locator("#waitlist-news")).to_contain_text(
        "A place came free: you are booked into Mat Pilates"
    )
    shot(ada, "waitlist-promoted-phone")
    ada.goto(week_of(full_pilates))
    row = session_row(ada, full_pilates)
    expect(row.locator(".badge")).to_have_text("Booked")
    expect(row.locator(".pays")).to_contain_text("from Pilates pass")
    booking = Booking.objects.get(customer=portal.a, session=full_pilates, status="booked")
    assert booking.customer_pass.name == "Pilates pass"
    ada.context.close()
    assert ada.csp == []


def test_staff_give_a_full_class_one_more_place(browser, live_server, portal, full_pilates):
    User.objects.create(
        username="manager", email="manager@example.com", role="manager", password=password_hash()
    )
    waitlists.join(portal.a.id, full_pilates.id)
    page = signed_in(browser, live_server, viewport=DESKTOP)
    page.goto(f"/office/sessions/{full_pilates.id}/")
    expect(page.locator("#waitlist tr", has_text=portal.a.name).locator("td").first).to_have_text(
        "1"
    )
    expect(page.locator("#id_capacity")).to_have_value("1")
    shot(page, "waitlist-office-session")
    page.fill("#id_capacity", "2")
    page.fill("#id_waitlist_capacity", "5")
    page.locator("#places-form").get_by_role("button", name="Change places").click()
    expect(page.get_by_text(f"Booked from the waitlist: {portal.a.name}.")).to_be_visible()
    expect(page.locator("#roster tr", has_text=portal.a.name)).to_contain_text("Pilates pass")
    expect(page.locator("#waitlist")).to_have_count(0)
    shot(page, "waitlist-office-places-changed")
    page.context.close()
    assert page.csp == []
