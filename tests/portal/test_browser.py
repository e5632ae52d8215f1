"""The portal in real Chromium, at phone width (390 px) and on a desktop."""

from datetime import timedelta

import icalendar
import pytest
from playwright.sync_api import expect

from passbook import clock
from passbook.models import Booking
from passbook.services import bookings
from tests.browser import csp_violations, shot
from tests.portal.conftest import PASSWORD, sell

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def open_portal(browser, live_server, customer, viewport=PHONE):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.csp = csp_violations(page)
    page.goto("/portal/login/")
    page.fill("#id_username", customer.email)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.get_by_role("heading", name="My passes")).to_be_visible()
    return page


@pytest.fixture
def ada(browser, live_server, portal):
    page = open_portal(browser, live_server, portal.a)
    yield page
    page.context.close()
    assert page.csp == []


def week_of(session) -> str:
    return f"/portal/timetable/?week={session.starts_at.date().isoformat()}"


def session_row(page, session):
    return page.locator(f"#timetable [data-session='{session.id}']")


def test_the_pilates_pass_pays_for_pilates_by_priority(ada, portal):
    sell(portal.a, portal.general)
    sell(portal.a, portal.pilates_only)
    ada.goto(week_of(portal.yoga_class))
    expect(session_row(ada, portal.pilates_class).locator(".pays")).to_have_text(
        "1.00 CR from Pilates pass"
    )
    expect(session_row(ada, portal.yoga_class).locator(".pays")).to_have_text(
        "1.00 CR from 10-class pass"
    )
    shot(ada, "portal-timetable-phone")
    session_row(ada, portal.pilates_class).get_by_role("button", name="Book").click()
    expect(ada.get_by_text("Booked: Mat Pilates, 1.00 CR from Pilates pass.")).to_be_visible()
    booking = Booking.objects.get(customer=portal.a, session=portal.pilates_class)
    assert booking.customer_pass.name == "Pilates pass"


def test_an_expired_pass_explains_itself_and_cannot_book(ada, portal):
    with clock.at(clock.now() - timedelta(days=200)):
        sell(portal.a, portal.general)
    ada.goto(week_of(portal.yoga_class))
    row = session_row(ada, portal.yoga_class)
    expect(row.locator(".why")).to_contain_text("10-class pass: expired")
    expect(row.get_by_role("button", name="Book")).to_have_count(0)
    shot(ada, "portal-expired-phone")


def test_buy_a_pass_with_two_sessions_booked_at_once(browser, live_server, portal):
    page = open_portal(browser, live_server, portal.a, DESKTOP)
    page.goto("/portal/buy/")
    page.locator(".card", has_text="10-class pass").get_by_role("link", name="Choose").click()
    page.check(f"#buy-form input[name='sessions'][value='{portal.yoga_class.id}']")
    page.check(f"#buy-form input[name='sessions'][value='{portal.later_yoga.id}']")
    shot(page, "portal-buy")
    page.click("#buy-form button:has-text('Buy')")
    expect(page.get_by_text("Please pay 200.00 at the desk.")).to_be_visible()
    card = page.locator(".pass-card", has_text="10-class pass")
    expect(card.locator(".credits")).to_have_text("8 of 10 credits")
    expect(card.locator(".list-group-item")).to_have_count(2)
    expect(card).to_contain_text("Unpaid")
    shot(page, "portal-passes")
    page.context.close()


def test_cancel_in_time_and_the_credit_comes_back(ada, portal):
    sell(portal.a, portal.general, session_ids=[portal.yoga_class.id])
    ada.reload()
    expect(ada.locator(".pass-card .credits")).to_have_text("9 of 10 credits")
    ada.goto("/portal/bookings/")
    ada.locator("#upcoming li", has_text="Vinyasa").get_by_role("link", name="Cancel").click()
    expect(ada.locator("#in-time")).to_contain_text("your 1.00 credit goes back")
    shot(ada, "portal-cancel-phone")
    ada.get_by_role("button", name="Yes, cancel").click()
    expect(ada.get_by_text("Booking cancelled.")).to_be_visible()
    ada.goto("/portal/")
    expect(ada.locator(".pass-card .credits")).to_have_text("10 of 10 credits")


def test_the_calendar_feed_parses_and_lists_exactly_the_booked_sessions(ada, portal):
    sell(portal.a, portal.general, session_ids=[portal.yoga_class.id, portal.later_yoga.id])
    cancelled = Booking.objects.get(customer=portal.a, session=portal.later_yoga)
    bookings.cancel(cancelled.id)
    ada.goto("/portal/calendar/")
    url = ada.locator("#feed-url").input_value()
    feed = ada.context.request.get(url)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    booked = Booking.objects.get(customer=portal.a, session=portal.yoga_class)
    assert [str(e["uid"]) for e in events] == [f"booking-{booked.id}@passbook"]
    assert "Vinyasa" in str(events[0]["summary"])


def test_the_phone_menu_opens_with_javascript_and_shows_without(browser, live_server, portal):
    page = open_portal(browser, live_server, portal.a)
    menu_link = page.get_by_role("link", name="My bookings")
    expect(menu_link).to_be_hidden()  # folded away on a phone
    page.get_by_role("button", name="Menu").click()
    expect(menu_link).to_be_visible()
    page.context.close()
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/portal/login/")
    page.fill("#id_username", portal.a.email)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.get_by_role("link", name="My bookings")).to_be_visible()
    context.close()
