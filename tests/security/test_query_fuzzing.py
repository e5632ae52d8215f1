"""Fuzz the query string of every page a GET reaches, in the back office (as the owner)
and the portal (as a customer): whatever the parameters say, no page answers a server
error. The parameters are the ones the pages read, plus strangers, with values from
hypothesis: text with NUL and control characters, huge and negative numbers, dates at
the calendar's edges and beyond."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passbook.models import User
from tests.portal.conftest import logged_in

OFFICE = [
    "/office/passes/",
    "/office/passes/export.csv",
    "/office/passes/{o.pass_ada.id}/",
    "/office/schedule/",
    "/office/sessions/{o.session.id}/",
    "/office/bookings/",
    "/office/catalog/",
    "/office/catalog/products/",
    "/office/catalog/class-types/",
    "/office/settings/",
    "/office/staff/",
    "/office/reports/",
    "/office/reports/sales.csv",
    "/office/vouchers/",
    "/office/passes/extend/",
    "/office/customers/",
    "/office/customers/{o.ada.id}/",
    "/office/sell/sessions/",
    "/office/past-due/",
]
PORTAL = [
    "/portal/",
    "/portal/card/",
    "/portal/timetable/",
    "/portal/bookings/",
    "/portal/buy/",
    "/portal/buy/{p.general.id}/",
    "/portal/calendar/",
]
NAMES = [
    "week", "q", "page", "page_size", "sort", "status", "payment", "product", "customer",
    "session", "category", "start", "end", "tab", "expires_within", "from", "kind", "x",
]  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "%00", "9999-12-31", "0001-01-01", "2099-12-31", "-1", "0"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
    st.just("x" * 5000),
)
QUERIES = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4)
FUZZ = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize("page", OFFICE)
@FUZZ
@given(query=QUERIES)
def test_no_office_page_fails_on_its_query_string(office, page, query):
    client = Client()
    client.force_login(User.objects.get(username="owner"))
    response = client.get(f"{page.format(o=office)}?{urlencode(query)}")
    assert response.status_code < 500, (page, query)


@pytest.mark.parametrize("page", PORTAL)
@FUZZ
@given(query=QUERIES)
def test_no_portal_page_fails_on_its_query_string(portal, page, query):
    response = logged_in(portal.a).get(f"{page.format(p=portal)}?{urlencode(query)}")
    assert response.status_code < 500, (page, query)


def test_every_fuzzed_page_exists(office, portal):
    owner = Client()
    owner.force_login(User.objects.get(username="owner"))
    for page in OFFICE:
        assert owner.get(page.format(o=office)).status_code == 200, page
    customer = logged_in(portal.a)
    for page in PORTAL:
        assert customer.get(page.format(p=portal)).status_code == 200, page
