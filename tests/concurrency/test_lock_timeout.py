"""A lock held too long answers `busy`, a clear and retryable refusal, everywhere; nothing
waits for ever behind a stuck transaction (PostgreSQL's lock_timeout)."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from passbook.models import ApiToken, Booking, User
from passbook.services import bookings, errors
from tests.api.conftest import staff_api
from tests.factories import CustomerFactory, SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextmanager
def held(table: str, row_id: int) -> Iterator[None]:
    """Another connection locks the row, as a stuck transaction would."""
    with stuck_transaction() as other:
        other.execute(f"SELECT id FROM passbook_{table} WHERE id = %s FOR UPDATE", [row_id])
        yield


@contextmanager
def stuck_transaction() -> Iterator[psycopg.Connection]:
    """Another connection with a transaction left open; ours gives up on waiting for it
    after 0.2 s instead of the default few seconds."""
    db = settings.DATABASES["default"]
    other = psycopg.connect(
        dbname=db["NAME"], host=db["HOST"], port=db["PORT"], user=db["USER"], autocommit=False
    )
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        yield other
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout TO DEFAULT")


@pytest.fixture
def stuck(business, yoga):
    session = SessionFactory(class_type=yoga)
    return session, CustomerFactory()


def test_the_lock_timeout_is_set_on_every_connection():
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "3s"


def test_a_service_waiting_on_a_held_lock_is_refused_as_busy_and_changes_nothing(stuck):
    session, customer = stuck
    with held("session", session.id), pytest.raises(errors.Busy) as refused:
        bookings.book(customer.id, session.id, paid_by=Booking.PaidBy.DROP_IN)
    assert refused.value.retryable
    assert not Booking.objects.exists()
    bookings.book(customer.id, session.id, paid_by=Booking.PaidBy.DROP_IN)  # free again


def test_the_api_answers_503_with_retry_after(stuck):
    session, customer = stuck
    owner = staff_api("owner")
    body = {"customer_id": customer.id, "session_id": session.id, "paid_by": "drop_in"}
    with held("customer", customer.id):
        response = owner.post("/bookings", body)
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert response.json()["code"] == "busy"
    assert not Booking.objects.exists()


def test_a_page_says_to_try_again(stuck):
    session, customer = stuck
    client = Client()
    client.force_login(User.objects.create_user("desk", role=User.Role.FRONTDESK))
    form = {"customer": customer.id, "paid_by": "drop_in"}
    with held("session", session.id):
        page = client.post(f"/office/sessions/{session.id}/book/", form)
    assert page.status_code == 200 and "try again in a moment" in page.content.decode()
    assert not Booking.objects.exists()


def test_a_repeat_of_a_request_still_running_answers_503_not_a_crash(stuck):
    session, customer = stuck
    owner = staff_api("owner")
    scope = f"token:{ApiToken.objects.get().id}"
    body = {"customer_id": customer.id, "session_id": session.id, "paid_by": "drop_in"}
    with stuck_transaction() as first:  # the first request with this key, not yet done
        first.execute(
            "INSERT INTO passbook_idempotencyrecord (scope, key, fingerprint, content_type,"
            " body, created_at) VALUES (%s, 'k', 'f', '', '', now())",
            [scope],
        )
        response = owner.post("/bookings", body, **{"Idempotency-Key": "k"})
    assert response.status_code == 503 and response.json()["code"] == "busy"
    assert not Booking.objects.exists()
