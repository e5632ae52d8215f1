"""The busiest pages make the same number of queries for a few rows as for a full page
(no N+1). Counts only: timings belong to bench/, never to tests."""

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from passbook import clock
from passbook.models import User
from passbook.services import bookings, passes
from tests.factories import ClassTypeFactory, CustomerFactory, ProductFactory, SessionFactory
from tests.portal.conftest import _customer, logged_in


def queries(client: Client, path: str, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def _owner() -> Client:
    client = Client()
    client.force_login(User.objects.create(username="boss", role="owner"))
    return client


def _grow(customer, product, kind, n: int) -> None:
    """n more passes for the customer, each with a booking."""
    for _ in range(n):
        p = passes.sell(customer.id, product.id)
        start = clock.now() + timedelta(days=1, hours=len(customer.passes.all()))
        session = SessionFactory(class_type=kind, starts_at=start)
        bookings.book(customer.id, session.id, pass_id=p.id)


def test_sales_passes_list_and_customer_page_do_not_grow_with_rows(business):
    owner, product, kind = _owner(), ProductFactory(), ClassTypeFactory()
    ann = CustomerFactory()
    _grow(ann, product, kind, 2)
    few = {
        "list": queries(owner, "/office/passes/?sort=-expires_at&status=active"),
        "customer": queries(owner, f"/office/customers/{ann.id}/"),
        "api": queries(owner, "/api/v1/passes?page_size=50"),
    }
    _grow(ann, product, kind, 23)
    for c in CustomerFactory.create_batch(10):
        _grow(c, product, kind, 1)
    many = {
        "list": queries(owner, "/office/passes/?sort=-expires_at&status=active"),
        "customer": queries(owner, f"/office/customers/{ann.id}/"),
        "api": queries(owner, "/api/v1/passes?page_size=50"),
    }
    assert many == few


def test_portal_timetable_does_not_grow_with_sessions(business):
    ada = _customer("Ada")
    kind, product = ClassTypeFactory(), ProductFactory()
    passes.sell(ada.id, product.id)
    client = logged_in(ada)
    SessionFactory(class_type=kind, starts_at=clock.now() + timedelta(days=1))
    few = queries(client, "/portal/timetable/")
    for i in range(15):
        SessionFactory(class_type=kind, starts_at=clock.now() + timedelta(days=2, hours=i))
        passes.sell(ada.id, ProductFactory().id)
    assert queries(client, "/portal/timetable/") == few
