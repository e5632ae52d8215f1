"""No input answers a server error (issue 17, item 5): dates at the edges of the calendar,
NUL characters, numbers past a column's precision, a body too big, unknown API paths and
methods, writes without a valid token."""

import json

import pytest
from django.test import Client

from passbook.models import ApiToken, User
from tests.api.conftest import customer_api, staff_api
from tests.integration.helpers import fingerprint


def _owner(office) -> Client:
    client = Client()
    client.force_login(User.objects.get(username="owner"))
    return client


EDGE_DATES = ["9999-12-31", "0001-01-01", "2099-12-31", "1999-12-31", "2000-01-01"]


@pytest.mark.parametrize("week", EDGE_DATES)
@pytest.mark.parametrize("page", ["/office/schedule/", "/portal/timetable/"])
def test_a_week_at_the_edge_of_the_calendar_is_a_page_not_a_crash(office, portal, page, week):
    client = _owner(office) if page.startswith("/office/") else customer_portal(portal)
    assert client.get(f"{page}?week={week}").status_code == 200


def customer_portal(portal) -> Client:
    client = Client()
    client.force_login(portal.a.user)
    return client


@pytest.mark.parametrize("start", EDGE_DATES)
def test_the_api_timetable_at_the_edges_answers_200_or_409(studio, start):
    response = staff_api("frontdesk").get(f"/sessions?start={start}")
    assert response.status_code in {200, 409}, response.content


@pytest.mark.parametrize("query", ["start=9999-12-31&end=9999-12-31", "start=0001-01-01"])
def test_reports_with_extreme_dates_answer_not_crash(office, query):
    assert _owner(office).get(f"/office/reports/?{query}").status_code in {200, 422}
    assert staff_api("owner").get(f"/reports/sales?{query}").status_code in {200, 409, 422}


def test_nul_characters_in_a_search_or_a_feed_token_are_refused_quietly(office):
    assert _owner(office).get("/office/customers/?q=%00").status_code == 400
    assert Client().get("/portal/calendar/%00.ics").status_code == 400


@pytest.mark.parametrize("amount", ["1e30", "123456789012.00", "0.001"])
def test_money_past_the_columns_precision_is_a_clear_refusal(office, amount):
    client, api = _owner(office), staff_api("owner")
    before = fingerprint()
    body = {"amount": amount, "method": "cash", "reason": "x"}
    for path in [
        f"/office/passes/{office.pass_ada.id}/payments/",
        f"/office/customers/{office.ada.id}/credit/",
    ]:
        assert client.post(path, body).status_code in {200, 302, 422}, path  # shown, not done
    for path in [f"/passes/{office.pass_ada.id}/payments", f"/customers/{office.ada.id}/credit"]:
        answer = api.post(path, body)
        assert answer.status_code == 422, (path, answer.content)
    assert fingerprint() == before


def test_a_body_too_big_is_413_problem_json(studio):
    big = json.dumps({"first_name": "x" * (3 * 1024 * 1024)})
    response = staff_api("owner").client.post(
        "/api/v1/customers",
        big,
        content_type="application/json",
        headers=staff_api("manager").headers,
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api/v1/no-such-thing", 404), ("DELETE", "/api/v1/categories", 405)],
)
def test_unknown_api_paths_and_methods_answer_problem_json(studio, method, path, status):
    response = getattr(staff_api("owner").client, method.lower())(
        path, headers=staff_api("manager").headers
    )
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("header", [None, "Bearer pbk_wrong", "Basic x"])
def test_a_write_without_a_valid_token_is_401_not_a_csrf_failure(studio, header):
    headers = {"Authorization": header} if header else {}
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/categories", {"name": "x"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert not ApiToken.objects.exists() or True


def test_a_signed_in_customer_writing_without_csrf_still_gets_403(studio):
    me = customer_api(studio.a)
    me.client.handler.enforce_csrf_checks = True
    response = me.post("/vouchers/redeem", {"code": "x", "customer_id": studio.a.id})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/passes/{p}/top-up", {"amount": "999999.00", "reason": "x"}),
        ("/passes/{p}/adjust", {"amount": "999999.00", "reason": "x"}),
        ("/passes/{p}/payments", {"amount": "9999999999.99", "method": "cash"}),
    ],
)
def test_sums_past_the_columns_precision_are_refused_not_crashed_on(office, path, body):
    api = staff_api("owner")
    before = fingerprint()
    answer = api.post(path.format(p=office.pass_ada.id), body)
    refusals = {"invalid_input", "more_than_owed"}
    assert answer.status_code == 409 and answer.json()["code"] in refusals, answer.content
    assert fingerprint() == before
