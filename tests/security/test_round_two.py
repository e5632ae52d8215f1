"""Security, round two (issue 17): no open redirects, no formulas in exports, and API
tokens that never outrank their user."""

import csv
import io
import logging

import pytest
from django.conf import settings
from django.test import Client

from passbook.logs import RequestIdFilter, request_id
from passbook.models import ApiToken, Customer, Pass, Staff, User, VoucherAttempt
from passbook.services import vouchers
from passbook.web.exports import FORMULA_STARTS, safe_cell
from tests.api.conftest import Api, customer_api, staff_api
from tests.portal.conftest import logged_in, sell

OFF_SITE = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("back", OFF_SITE)
def test_booking_from_the_portal_never_redirects_off_site(portal, back):
    sell(portal.a, portal.general)
    client = logged_in(portal.a)
    response = client.post(f"/portal/book/{portal.yoga_class.id}/", {"back": back})
    assert response.status_code == 302 and response["Location"] == "/portal/timetable/"


def test_a_same_site_back_path_is_followed(portal):
    sell(portal.a, portal.general)
    response = logged_in(portal.a).post(
        f"/portal/book/{portal.yoga_class.id}/", {"back": "/portal/timetable/?week=2027-01-04"}
    )
    assert response["Location"] == "/portal/timetable/?week=2027-01-04"


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_roster_actions_never_redirect_off_site(office, next_url):
    client = Client()
    client.force_login(User.objects.get(username="frontdesk"))
    response = client.post(f"/office/bookings/{office.booking.id}/cancel/", {"next": next_url})
    assert response["Location"] == f"/office/sessions/{office.session.id}/"


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_cell_that_would_run_as_a_formula_is_kept_as_text(formula):
    assert safe_cell(formula) == "'" + formula
    assert safe_cell(-5) == -5 and safe_cell("Ada") == "Ada"


@pytest.mark.parametrize("export", ["/office/passes/export.csv", "/office/reports/sales.csv"])
def test_exports_never_start_a_cell_with_a_formula(office, export):
    client = Client()
    client.force_login(User.objects.get(username="owner"))
    Customer.objects.filter(pk=office.ada.pk).update(first_name=FORMULAS[0], last_name="")
    Pass.objects.update(name=FORMULAS[0])
    body = client.get(export).content.decode()
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'" + FORMULAS[0] in cells
    assert not any(cell.startswith(FORMULA_STARTS) for cell in cells)


@pytest.mark.parametrize(
    ("now", "allowed"),
    [("manager", True), ("frontdesk", False), ("", False)],
    ids=["still-manager", "demoted", "no-longer-staff"],
)
def test_a_token_can_do_no_more_than_its_user_can_today(office, now, allowed):
    user = User.objects.get(username="manager")
    _token, raw = ApiToken.issue(user, User.Role.MANAGER)
    User.objects.filter(pk=user.pk).update(role=now)
    api = Api(Client(), {"Authorization": f"Bearer {raw}"})
    created = api.post("/categories", {"name": "Barre"})  # a manager's power
    if allowed:
        assert created.status_code == 201
    else:
        assert created.status_code == (403 if now else 401)
    read = api.get("/categories")
    assert read.status_code == (200 if now else 401)


def test_a_deactivated_users_tokens_stop_at_once(office):
    user = User.objects.get(username="owner")
    _token, raw = ApiToken.issue(user, User.Role.OWNER)
    User.objects.filter(pk=user.pk).update(is_active=False)
    api = Api(Client(), {"Authorization": f"Bearer {raw}"})
    assert api.get("/categories").status_code == 401


@pytest.mark.parametrize("field", ["notes", "email"])
def test_a_customer_cannot_change_the_studios_notes_or_their_email(studio, field):
    me = customer_api(studio.a)
    refused = me.call("PATCH", f"/customers/{studio.a.id}", {field: "changed@example.com"})
    assert refused.status_code == 403 and refused.json()["fields"] == [field]
    assert getattr(Customer.objects.get(pk=studio.a.pk), field) != "changed@example.com"
    allowed = me.call("PATCH", f"/customers/{studio.a.id}", {"phone": "0400 111 222"})
    assert allowed.status_code == 200 and allowed.json()["phone"] == "0400 111 222"
    staff = staff_api("frontdesk").call(
        "PATCH", f"/customers/{studio.a.id}", {field: "ada@example.org"}
    )
    assert staff.status_code == 200


def test_customers_see_who_teaches_but_not_staff_emails(studio):
    maya = Staff.objects.create(name="Maya", email="maya@studio.example")
    seen = customer_api(studio.a).get("/staff").json()
    assert "Maya" in [s["name"] for s in seen] and {s["email"] for s in seen} == {""}
    assert customer_api(studio.a).get(f"/staff/{maya.id}").json()["email"] == ""
    staff_view = staff_api("frontdesk").get(f"/staff/{maya.id}").json()
    assert staff_view["email"] == "maya@studio.example"


def test_wrong_voucher_guesses_count_even_through_the_idempotent_path(studio):
    me = customer_api(studio.a)
    guess = {"code": "AAAA-BBBB-CCCC", "customer_id": studio.a.id}
    answers = [
        me.post("/vouchers/redeem", guess, **{"Idempotency-Key": f"g{n}"})
        for n in range(vouchers.MAX_FAILURES + 1)
    ]
    codes = [a.json()["code"] for a in answers]
    assert codes == ["invalid_voucher"] * vouchers.MAX_FAILURES + ["too_many_attempts"]
    assert VoucherAttempt.objects.count() == vouchers.MAX_FAILURES


def test_every_answer_carries_a_request_id_that_log_lines_share(db, business):
    assert len(Client().get("/")["X-Request-ID"]) == 16
    sent = Client().get("/", headers={"X-Request-ID": "proxy-7f3a"})
    assert sent["X-Request-ID"] == "proxy-7f3a"
    forged = Client().get("/", headers={"X-Request-ID": "<script>\n"})
    assert forged["X-Request-ID"] != "<script>\n"
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    token = request_id.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    assert record.request_id == "abc123"
    assert "[%(request_id)s]" in settings.LOGGING["formatters"]["line"]["format"]
