"""Portal access (anonymous, customer A against B) and validation."""

import re
from datetime import date, time, timedelta
from decimal import Decimal

import icalendar
import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passbook import clock
from passbook.models import Booking, Customer, Notification, Pass, Session, User
from passbook.services import bookings, passes, throttle
from passbook.web.portal.wording import class_and_time
from tests.factories import ProductFactory
from tests.integration.helpers import fingerprint
from tests.portal.conftest import logged_in, sell

PAGES = ["/portal/", "/portal/timetable/", "/portal/bookings/", "/portal/buy/", "/portal/calendar/"]


@pytest.mark.parametrize("path", PAGES + ["/portal/buy/{p.general.id}/"])
def test_anonymous_visitors_are_sent_to_log_in(portal, path):
    response = Client().get(path.format(p=portal))
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_for_a_customer(portal, path):
    sell(portal.a, portal.general)
    assert logged_in(portal.a).get(path).status_code == 200


def test_a_staff_login_without_a_customer_record_gets_no_portal(portal):
    client = Client()
    client.force_login(User.objects.create(username="desk", role="frontdesk"))
    assert client.get("/portal/").status_code == 404


def test_customers_see_only_their_own_passes_and_bookings(portal):
    sell(portal.a, portal.general)
    bookings.book(portal.a.id, portal.yoga_class.id)
    page_b = logged_in(portal.b).get("/portal/").content.decode()
    assert "10-class pass" not in page_b
    assert "Vinyasa" not in logged_in(portal.b).get("/portal/bookings/").content.decode()


def test_a_customer_cannot_cancel_someone_elses_booking(portal):
    sell(portal.a, portal.general)
    theirs = bookings.book(portal.a.id, portal.yoga_class.id)
    client = logged_in(portal.b)  # logging in records last_login
    before = fingerprint()
    assert client.get(f"/portal/bookings/{theirs.id}/cancel/").status_code == 404
    assert client.post(f"/portal/bookings/{theirs.id}/cancel/").status_code == 404
    assert fingerprint() == before


def test_booking_without_a_usable_pass_changes_nothing(pinned, portal):
    client = logged_in(portal.b)
    before = fingerprint()
    response = client.post(f"/portal/book/{portal.yoga_class.id}/", follow=True)
    page = response.content.decode()
    assert "None of your passes can pay for Vinyasa on Thu 3 Dec at 09:00." in page
    assert "this customer" not in page.lower()
    assert fingerprint() == before


def test_only_products_sold_online_can_be_bought(portal):
    portal.general.online_purchasable = False
    portal.general.save()
    client = logged_in(portal.a)
    assert client.get(f"/portal/buy/{portal.general.id}/").status_code == 404
    assert (
        client.post(f"/portal/buy/{portal.general.id}/", {"product": portal.general.id}).status_code
        == 404
    )
    assert not Pass.objects.exists()


def test_buying_is_all_or_nothing(portal):
    portal.yoga_class.__class__.objects.filter(pk=portal.yoga_class.pk).update(capacity=1)
    sell(portal.b, portal.general)
    bookings.book(portal.b.id, portal.yoga_class.id)
    response = logged_in(portal.a).post(
        f"/portal/buy/{portal.general.id}/",
        {"product": portal.general.id, "sessions": [portal.later_yoga.id, portal.yoga_class.id]},
    )
    assert response.status_code == 422
    full = class_and_time(portal.yoga_class)  # names the one of the two that is full
    assert f"{full} is full." in response.content.decode()
    assert not Pass.objects.filter(customer=portal.a).exists()


def test_offline_payment_issues_the_pass_unpaid(portal):
    response = logged_in(portal.a).post(
        f"/portal/buy/{portal.general.id}/", {"product": portal.general.id}, follow=True
    )
    assert "Please pay 200.00 at the desk." in response.content.decode()
    bought = Pass.objects.get(customer=portal.a)
    assert bought.amount_paid == 0 and bought.price == 200


SIGN_UP = {
    "first_name": "Cy",
    "last_name": "Test",
    "email": "Cy@Example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}


def _link(message: Notification) -> str:
    return re.search(r"http://testserver(/portal/confirm/\S+/)", message.body).group(1)


def test_sign_up_opens_the_login_only_once_the_email_is_confirmed(db, business):
    response = Client().post("/portal/sign-up/", SIGN_UP)
    assert response.status_code == 302 and response["Location"] == "/portal/login/"
    customer = Customer.objects.get(email="cy@example.com")
    assert customer.user.username == "cy@example.com" and not customer.user.is_active
    assert customer.user.password.startswith("argon2")
    login = {"username": "cy@example.com", "password": SIGN_UP["password1"]}
    assert "_auth_user_id" not in _session_after(Client(), "/portal/login/", login)
    message = Notification.objects.get(kind=Notification.Kind.CONFIRM_EMAIL)
    assert message.to == "cy@example.com"
    client = Client()
    assert client.get(_link(message)).status_code == 302
    assert client.get("/portal/").status_code == 200  # signed in, and able to buy and book


def _session_after(client: Client, path: str, data: dict):
    client.post(path, data)
    return client.session


def test_a_forged_or_expired_confirmation_link_opens_nothing(db, business):
    Client().post("/portal/sign-up/", SIGN_UP)
    link = _link(Notification.objects.get(kind=Notification.Kind.CONFIRM_EMAIL))
    forged = Client().get(link.replace("/confirm/", "/confirm/x"), follow=True)
    assert "not valid" in forged.content.decode()
    with time_machine.travel(clock.now() + timedelta(days=4), tick=False):
        assert "expired" in Client().get(link, follow=True).content.decode()
    assert not Customer.objects.get(email="cy@example.com").user.is_active


def test_signing_up_with_a_known_email_tells_its_owner_not_the_asker(portal):
    known = Client().post("/portal/sign-up/", {**SIGN_UP, "email": "ada@example.com"})
    new = Client().post("/portal/sign-up/", SIGN_UP)
    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"]
    assert Customer.objects.filter(email="ada@example.com").count() == 1
    [told] = Notification.objects.filter(kind=Notification.Kind.ACCOUNT_EXISTS)
    assert told.to == "ada@example.com" and told.customer == portal.a


def test_sign_ups_are_throttled_per_email_and_per_address(db, business):
    for n in range(3):
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post("/portal/sign-up/", SIGN_UP)
    fourth = Client(REMOTE_ADDR="10.0.0.9").post("/portal/sign-up/", SIGN_UP)
    assert fourth.status_code == 422 and "Too many" in fourth.content.decode()
    for n in range(10):
        Client(REMOTE_ADDR="10.0.1.1").post(
            "/portal/sign-up/", {**SIGN_UP, "email": f"other{n}@example.com"}
        )
    eleventh = Client(REMOTE_ADDR="10.0.1.1").post(
        "/portal/sign-up/", {**SIGN_UP, "email": "yet-another@example.com"}
    )
    assert eleventh.status_code == 422
    assert not Customer.objects.filter(email="yet-another@example.com").exists()


@pytest.mark.parametrize("reset", ["/portal/password-reset/", "/office/password-reset/"])
def test_reset_emails_go_through_the_outbox_a_few_an_hour(portal, mailoutbox, reset):
    for _ in range(20):
        response = Client().post(reset, {"email": "ada@example.com"})
        assert response.status_code == 302
    assert mailoutbox == []  # nothing sent inside the request
    sent = Notification.objects.filter(kind=Notification.Kind.PASSWORD_RESET)
    assert sent.count() == throttle.LIMITS["password_reset"].per_account
    assert "/reset/" in sent.first().body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password2": "something else"}, "password2", "The two passwords differ."),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "too common"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"first_name": ""}, "first_name", "required"),
    ],
)
def test_sign_up_explains_each_problem_beside_its_field(portal, data, field, message):
    form = {
        "first_name": "Cy",
        "last_name": "",
        "email": "cy@example.com",
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
        **data,
    }
    before = fingerprint()
    page = Client().post("/portal/sign-up/", form).content.decode()
    assert f'data-error-for="{field}"' in page and message in page
    assert fingerprint() == before


def test_the_calendar_feed_lists_exactly_the_booked_sessions(portal):
    sell(portal.a, portal.general)
    kept = bookings.book(portal.a.id, portal.yoga_class.id)
    dropped = bookings.book(portal.a.id, portal.later_yoga.id)
    bookings.cancel(dropped.id)
    client = logged_in(portal.a)
    client.get("/portal/calendar/")
    token = Customer.objects.get(pk=portal.a.pk).calendar_token
    feed = Client().get(f"/portal/calendar/{token}.ics")  # no login: the URL is the key
    assert feed["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"booking-{kept.id}@passbook"]
    assert events[0].decoded("dtstart") == portal.yoga_class.starts_at.replace(microsecond=0)


def test_a_new_calendar_link_revokes_the_old_one(portal):
    client = logged_in(portal.a)
    client.get("/portal/calendar/")
    old = Customer.objects.get(pk=portal.a.pk).calendar_token
    client.post("/portal/calendar/")
    new = Customer.objects.get(pk=portal.a.pk).calendar_token
    assert new != old
    assert Client().get(f"/portal/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/portal/calendar/{new}.ics").status_code == 200


def test_late_cancel_shows_its_consequence_first(portal, business):
    from datetime import timedelta

    from passbook import clock

    sell(portal.a, portal.general)
    booking = bookings.book(portal.a.id, portal.yoga_class.id)
    client = logged_in(portal.a)
    with clock.at(portal.yoga_class.starts_at - timedelta(hours=1)):
        page = client.get(f"/portal/bookings/{booking.id}/cancel/").content.decode()
    assert "late cancellation" in page and "will be used" in page
    assert Booking.objects.get(pk=booking.pk).status == "booked"  # nothing until confirmed


def test_portal_forms_need_the_csrf_token(portal):
    client = Client(enforce_csrf_checks=True)
    client.force_login(portal.a.user)
    for path in [
        f"/portal/book/{portal.yoga_class.id}/",
        "/portal/calendar/",
        f"/portal/buy/{portal.general.id}/",
    ]:
        assert client.post(path, {"product": portal.general.id}).status_code == 403


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.dictionaries(
        st.sampled_from(
            ["first_name", "last_name", "email", "password1", "password2", "product", "sessions"]
        ),
        st.one_of(st.text(max_size=30), st.sampled_from(["", "\x00", "1e999", "<b>x</b>", "-1"])),
        max_size=7,
    )
)
def test_portal_forms_never_fail_with_a_server_error(portal, data):
    assert Client().post("/portal/sign-up/", data).status_code < 500
    assert logged_in(portal.a).post(f"/portal/buy/{portal.general.id}/", data).status_code < 500


def test_a_customer_redeems_a_voucher_and_pays_with_the_credit(portal):
    from datetime import timedelta
    from decimal import Decimal

    from passbook import clock
    from passbook.services import credit, vouchers

    voucher = vouchers.create(
        value=Decimal("120"), expires_on=clock.now().date() + timedelta(days=30)
    )
    client = logged_in(portal.a)
    page = client.post("/portal/voucher/", {"code": voucher.code}, follow=True)
    assert "Voucher redeemed." in page.content.decode()
    assert credit.balance(portal.a) == Decimal("120")
    client.post(
        f"/portal/buy/{portal.general.id}/", {"product": portal.general.id, "use_credit": "on"}
    )
    bought = Pass.objects.get(customer=portal.a)
    assert bought.amount_paid == Decimal("120") and credit.balance(portal.a) == 0


def test_wrong_voucher_codes_are_throttled_in_the_portal(portal):
    client = logged_in(portal.b)
    for _ in range(5):
        client.post("/portal/voucher/", {"code": "AAAA-BBBB-CCCC"})
    page = client.post("/portal/voucher/", {"code": "AAAA-BBBB-CCCC"}, follow=True)
    assert "Too many wrong voucher codes" in page.content.decode()


def test_refusals_speak_to_the_customer_and_name_the_class(pinned, portal):
    sell(portal.a, portal.general)
    bookings.book(portal.a.id, portal.yoga_class.id)
    client = logged_in(portal.a)
    again = client.post(f"/portal/book/{portal.yoga_class.id}/", follow=True)
    page = again.content.decode()
    assert "You are already booked into Vinyasa on Thu 3 Dec at 09:00." in page
    assert "this customer" not in page.lower()
    Session.objects.filter(pk=portal.later_yoga.pk).update(capacity=1)
    sell(portal.b, portal.general)
    bookings.book(portal.b.id, portal.later_yoga.id)
    full = client.post(f"/portal/book/{portal.later_yoga.id}/", follow=True)
    assert "Vinyasa on Fri 4 Dec at 09:00 is full." in full.content.decode()


def test_one_class_and_one_month_are_not_plural(portal):
    ProductFactory(name="Taster", credits=1, validity_unit="months", validity_count=1)
    ProductFactory(name="Season", credits=None, validity_unit="", valid_until=date(2027, 6, 30))
    page = logged_in(portal.a).get("/portal/buy/").content.decode()
    assert "1 class, 1 month." in page and "10 classes, 3 months." in page
    assert "Unlimited classes, until 30 June 2027." in page
    assert "1 months" not in page and "1 classes" not in page
    sell(portal.a, portal.general)
    passes.set_total(Pass.objects.get(customer=portal.a).id, Decimal(1))
    assert "1 of 1 credit<" in logged_in(portal.a).get("/portal/").content.decode()


def _appointment(portal):
    """A private appointment staff added to A's pass (Add Session)."""
    p = sell(portal.a, portal.general)
    day = (clock.now() + timedelta(days=3)).date()
    return passes.add_session(
        p.id, on=day, at=time(15), class_type_id=portal.yoga_class.class_type_id
    )


def test_a_private_appointment_is_not_on_anyone_elses_timetable(pinned, portal):
    appointment = _appointment(portal).session
    marker = f'data-session="{appointment.id}"'
    week = "/portal/timetable/?week=2026-12-01"
    assert marker not in logged_in(portal.b).get(week).content.decode()
    assert marker in logged_in(portal.a).get(week).content.decode()  # booked: theirs to see
    sell(portal.b, portal.general)
    before = fingerprint()
    assert logged_in(portal.b).post(f"/portal/book/{appointment.id}/").status_code == 404
    assert fingerprint() == before
    buying = logged_in(portal.b).get(f"/portal/buy/{portal.general.id}/").content.decode()
    assert f'value="{appointment.id}"' not in buying and f'value="{portal.yoga_class.id}"' in buying
