"""The back office in real Chromium (see tests/browser.py)."""

import csv
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from passbook import clock
from passbook.services import passes
from tests.browser import csp_violations, shot
from tests.factories import SessionFactory
from tests.web.conftest import PASSWORD


def signed_in(browser, live_server, **options):
    """A page in a new browser context, signed in to the back office as a manager."""
    context = browser.new_context(base_url=live_server.url, **options)
    page = context.new_page()
    violations = csp_violations(page)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations on edits
    page.goto("/office/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.get_by_role("heading", name="Sales › Passes")).to_be_visible()
    page.csp = violations
    return page


@pytest.fixture
def page(browser, live_server, office):
    page = signed_in(
        browser, live_server, accept_downloads=True, viewport={"width": 1280, "height": 860}
    )
    yield page
    page.context.close()
    assert page.csp == []  # nothing the page needs is blocked by the CSP


@pytest.fixture
def no_js(browser, live_server, office):
    """The back office in a browser with JavaScript turned off: every action is a form."""
    page = signed_in(browser, live_server, java_script_enabled=False)
    yield page
    page.context.close()


def test_without_javascript_check_in_undo_and_no_show_are_plain_forms(no_js, office):
    roster = f"/office/sessions/{office.session.id}/"
    no_js.goto(roster)
    row = no_js.locator("#roster tr", has_text=office.ada.name)
    row.get_by_role("button", name="Check in").click()
    expect(row.locator(".status")).to_have_text("Attended")
    assert no_js.url.endswith(roster)
    row.get_by_role("button", name="Undo check-in").click()
    expect(row.locator(".status")).to_have_text("Booked")
    # the server's clock too (clock.at is for this thread only)
    with time_machine.travel(office.session.starts_at + timedelta(minutes=5)):
        no_js.reload()
        row.get_by_role("button", name="No-show").click()
        expect(row.locator(".status")).to_have_text("No-show")
        row.get_by_role("button", name="Undo no-show").click()
        expect(row.locator(".status")).to_have_text("Booked")


def test_without_javascript_the_sell_form_lists_sessions_on_request(no_js, office):
    no_js.goto(f"/office/customers/{office.bea.id}/")
    no_js.click("#sell-sessions summary")
    no_js.get_by_role("link", name="Show upcoming sessions").click()
    no_js.check(f"#sell-form input[value='{office.session.id}']")
    no_js.select_option("#id_product", label="10-class pass")
    no_js.click("#sell-form button:has-text('Sell')")
    expect(no_js.get_by_text("Pass sold.")).to_be_visible()
    assert office.session.bookings.filter(customer=office.bea).exists()


def test_sell_a_pass_with_two_sessions_booked_at_once(page, office):
    later = SessionFactory(
        class_type=office.yoga, starts_at=office.session.starts_at + timedelta(days=1)
    )
    page.goto(f"/office/customers/{office.bea.id}/")
    page.select_option("#id_product", label="10-class pass")
    page.click("#sell-sessions summary")  # the list is fetched when opened
    page.check(f"#sell-form input[value='{office.session.id}']")
    page.check(f"#sell-form input[value='{later.id}']")
    page.fill("#id_paid", "200")
    shot(page, "office-sell")
    page.click("#sell-form button:has-text('Sell')")
    expect(page.get_by_text("Pass sold.")).to_be_visible()
    expect(page.locator("#pass-cards .credits")).to_have_text("8 of 10 credits")
    expect(page.locator("#pass-cards .progress-bar")).to_have_text("20%")
    shot(page, "office-customer")


def test_book_from_the_roster_see_remaining_drop_then_check_in(page, office):
    bea_pass = passes.sell(office.bea.id, office.product.id)
    page.goto(f"/office/sessions/{office.session.id}/")
    page.select_option("#id_customer", label=office.bea.name)
    page.click("button:has-text('Which pass pays?')")
    expect(page.locator("#verdicts")).to_contain_text("10-class pass: pays 1.00 CR")
    shot(page, "office-explain")
    page.click("#book-form button:has-text('Book')")
    row = page.locator("#roster tr", has_text=office.bea.name)
    expect(row.locator(".remaining")).to_have_text("9 left")
    row.locator("button.check-in").click()  # htmx: only the row changes
    expect(row.locator(".status")).to_have_text("Attended")
    shot(page, "office-roster")
    page.goto(f"/office/passes/{bea_pass.id}/")
    expect(page.locator("#remaining")).to_have_text("9")
    expect(page.locator("#used")).to_have_text("1")


def test_the_roster_books_the_customer_it_shows_not_the_one_asked_about(page, office):
    passes.sell(office.bea.id, office.product.id)
    later = SessionFactory(
        class_type=office.yoga, starts_at=office.session.starts_at + timedelta(hours=3)
    )
    page.goto(f"/office/sessions/{later.id}/")
    page.select_option("#id_customer", label=office.ada.name)
    page.click("button:has-text('Which pass pays?')")
    expect(page.locator("#verdicts")).to_contain_text("pays 1.00 CR")
    page.select_option("#id_customer", label=office.bea.name)  # then staff pick someone else
    page.click("#book-form button:has-text('Book')")
    expect(page.get_by_text(f"{office.bea.name} booked.")).to_be_visible()
    expect(page.locator("#roster tr", has_text=office.bea.name)).to_have_count(1)
    expect(page.locator("#roster tr", has_text=office.ada.name)).to_have_count(0)


def test_set_a_pass_to_unlimited(page, office):
    page.goto(f"/office/passes/{office.pass_ada.id}/")
    page.click("summary:has-text('Edit total')")
    page.fill("#total-form input[name='total']", "0")
    page.click("#total-form button")
    expect(page.get_by_text("Total sessions updated.")).to_be_visible()
    expect(page.locator("#total")).to_have_text("Unlimited")
    expect(page.locator("#remaining")).to_have_text("Unlimited")
    shot(page, "office-ticket")


def test_extend_an_expired_pass_and_book_with_it_again(page, office):
    with clock.at(clock.now() - timedelta(days=200)):
        old = passes.sell(office.bea.id, office.product.id)
    page.goto(f"/office/sessions/{office.session.id}/?customer={office.bea.id}")
    expect(page.locator("#verdicts")).to_contain_text("expired")
    page.goto(f"/office/passes/{old.id}/")
    page.click("summary:has-text('Change validity')")
    page.fill(
        "#validity-form input[name='expires_on']",
        (clock.now() + timedelta(days=60)).date().isoformat(),
    )
    page.click("#validity-form button")
    expect(page.get_by_text("Validity updated.")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Active")
    page.goto(f"/office/sessions/{office.session.id}/?customer={office.bea.id}")
    expect(page.locator("#verdicts")).to_contain_text("pays 1.00 CR")
    page.click("#book-form button:has-text('Book')")
    expect(page.locator("#roster tr", has_text=office.bea.name)).to_contain_text("1.00 CR")


def test_record_a_partial_payment_and_see_partly_paid(page, office):
    unpaid = passes.sell(office.bea.id, office.product.id)
    page.goto(f"/office/passes/{unpaid.id}/?tab=payments")
    page.fill("#payment-form input[name='amount']", "50")
    page.select_option("#payment-form select[name='method']", "cash")
    page.click("#payment-form button")
    expect(page.locator("#payment-status")).to_have_text("Partly paid")
    expect(page.locator("#balance")).to_have_text("150.00")
    shot(page, "office-payments")
    page.goto("/office/passes/")
    page.fill("#id_q", "Bea")
    page.click("button:has-text('Filter')")
    expect(page.locator(f"#passes tr[data-pass='{unpaid.id}'] .payment")).to_have_text(
        "Partly paid"
    )
    shot(page, "office-passes")


def test_export_the_csv_and_read_it_back(page, office, tmp_path):
    passes.sell(office.bea.id, office.product.id, price=Decimal("180"))
    page.goto("/office/passes/?payment=unpaid")
    with page.expect_download() as download:
        page.click("#export-csv")
    target = tmp_path / "passes.csv"
    download.value.save_as(target)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [(r["Customer"], r["Payment"], r["Remaining"]) for r in rows] == [
        (office.bea.name, "Unpaid", "10.00")
    ]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rows[0]["Valid until"])


def test_reports_and_the_customer_account_render_in_the_browser(browser, live_server, office):
    from passbook.models import User
    from passbook.services import vouchers

    User.objects.filter(username="owner").update(role="owner")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto("/office/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.goto(f"/office/customers/{office.bea.id}/")
    voucher = vouchers.create(
        value=Decimal("40"), expires_on=clock.now().date() + timedelta(days=10)
    )
    page.fill("#voucher-form input[name='code']", voucher.code)
    page.click("#voucher-form button")
    expect(page.locator("#credit-balance")).to_have_text("40.00")
    page.select_option("#subscribe-form select", label="Monthly")
    page.click("#subscribe-form button")
    expect(page.locator("#subscriptions")).to_contain_text("Monthly · Active")
    shot(page, "office-account")
    today = clock.now().date()
    page.goto(f"/office/reports/?start={today.replace(day=1)}&end={today}")
    expect(page.locator("#report-sales svg rect")).not_to_have_count(0)
    shot(page, "office-reports")
    context.close()


def test_a_walk_in_in_under_a_minute(page, office):
    """New customer (warned about an email on file), a pass sold and paid with today's
    class booked, checked in: four screens, no typing beyond the customer's details.
    (No timing is asserted: tests never do; the steps are the measure.)"""
    page.goto("/office/customers/")
    page.get_by_role("link", name="New customer").click()
    page.fill("#id_first_name", "Noor")
    page.fill("#id_last_name", "Haddad")
    page.fill("#id_email", office.ada.email)  # a typo: Ada's address
    page.click("#customer-form button:has-text('Add customer')")
    expect(page.locator("#on-file")).to_contain_text(office.ada.name)
    page.fill("#id_email", "noor@example.com")
    page.click("#customer-form button:has-text('Add customer')")
    expect(page.get_by_text("Noor Haddad added")).to_be_visible()
    page.select_option("#id_product", label="10-class pass")
    page.click("#sell-sessions summary")
    page.check(f"#sell-form input[value='{office.session.id}']")
    page.fill("#id_paid", "200")
    page.select_option("#id_method", "card")
    page.click("#sell-form button:has-text('Sell')")
    expect(page.get_by_text("Pass sold.")).to_be_visible()
    page.goto(f"/office/sessions/{office.session.id}/")
    row = page.locator("#roster tr", has_text="Noor Haddad")
    row.get_by_role("button", name="Check in").click()
    expect(row.locator(".status")).to_have_text("Attended")
    shot(page, "office-walk-in")


def test_on_a_phone_the_menu_folds_away_and_the_picker_searches(browser, live_server, office):
    page = signed_in(browser, live_server, viewport={"width": 390, "height": 844})
    nav = page.locator("nav.navbar")
    assert nav.bounding_box()["height"] < 80  # folded, not 600 px of links
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Customers")).to_be_visible()
    page.goto(f"/office/sessions/{office.session.id}/")
    page.get_by_role("searchbox", name="Find a customer").fill("bea")  # htmx, as typed
    expect(page.locator("#id_customer option", has_text=office.ada.name)).to_have_count(0)
    expect(page.locator("#id_customer option", has_text=office.bea.name)).to_have_count(1)
    page.context.close()
    assert page.csp == []
