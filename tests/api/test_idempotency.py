"""Idempotency-Key: replay, conflict, scope, failures, and concurrent duplicates."""

import pytest
from django.db import connection

from passbook.models import Booking, IdempotencyRecord, PassEntry, Payment, Session
from passbook.services import credit
from tests.api.conftest import staff_api
from tests.factories import SessionFactory
from tests.threads import run_together


def _book(api, studio, key, session=None):
    body = {"customer_id": studio.a.id, "session_id": (session or studio.free).id}
    return api.post("/bookings", body, **{"Idempotency-Key": key})


def test_same_key_same_body_replays_the_stored_response(owner, studio):
    first = _book(owner, studio, "k-1")
    again = _book(owner, studio, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(session=studio.free).count() == 1


def test_same_key_different_body_is_422(owner, studio):
    _book(owner, studio, "k-2")
    other = SessionFactory(class_type=studio.class_type)
    response = _book(owner, studio, "k-2", session=other)
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert not Booking.objects.filter(session=other).exists()


def test_keys_are_scoped_to_the_caller(owner, apis, studio):
    _book(owner, studio, "shared")
    response = _book(apis["manager"], studio, "shared")
    assert response.status_code == 409 and response.json()["code"] == "already_booked"


def test_a_failed_request_changes_nothing_and_leaves_the_key_free(owner, studio):
    Session.objects.filter(pk=studio.free.pk).update(status="cancelled")
    assert _book(owner, studio, "k-3").status_code == 409
    assert not IdempotencyRecord.objects.exists()
    Session.objects.filter(pk=studio.free.pk).update(status="scheduled")
    assert _book(owner, studio, "k-3").status_code == 201


def test_money_moves_once(owner, studio):
    path = f"/passes/{studio.pass_a.id}/payments"
    body = {"amount": "20.00", "method": "cash", "excess_to_credit": True}  # it is paid
    before = credit.balance(studio.a)
    for _ in range(3):
        owner.post(path, body, **{"Idempotency-Key": "pay-1"})
    studio.pass_a.refresh_from_db()
    assert studio.pass_a.amount_paid == 200 and credit.balance(studio.a) == before + 20


def test_a_bad_key_is_refused(owner, studio):
    response = _book(owner, studio, "x" * 256)
    assert response.status_code == 422 and not Booking.objects.filter(session=studio.free).exists()


@pytest.fixture(params=[True, False], ids=["claimed", "unclaimed"])
def claiming(request):
    """The claim is the unique (caller, key) index: a request inserts its key first, and a
    concurrent one with the same key waits on the index, then replays the answer. The
    unclaimed run drops the index for the test, to show the race it prevents."""
    if request.param:
        yield True
        return
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT idempotency_key_per_caller")
    try:
        yield False
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT idempotency_key_per_caller UNIQUE (scope, key)"
            )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_16_concurrent_same_key_requests_have_one_effect(studio, claiming):
    owner = staff_api("owner")
    path = f"/passes/{studio.pass_a.id}/payments"
    body = {"amount": "1.00", "method": "cash", "excess_to_credit": True}  # pass_a is paid
    responses = run_together(16, lambda _n: owner.post(path, body, **{"Idempotency-Key": "p"}))
    payments = Payment.objects.filter(customer=studio.a, amount=1).count()
    if not claiming:  # every request ran: the money was taken many times
        assert payments > 1
        return
    assert [r.status_code for r in responses] == [201] * 16
    assert len({r.json()["id"] for r in responses}) == 1 and payments == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_16_concurrent_same_key_bookings_book_once_and_all_hear_so(studio, claiming):
    owner = staff_api("owner")
    responses = run_together(16, lambda _n: _book(owner, studio, "rush-1"))
    if not claiming:  # the repeats were refused as already booked: the caller cannot tell
        assert sorted({r.status_code for r in responses}) == [201, 409]
        return
    assert [r.status_code for r in responses] == [201] * 16
    assert len({r.json()["id"] for r in responses}) == 1
    assert Booking.objects.filter(session=studio.free).count() == 1
    booking_id = responses[0].json()["id"]
    assert PassEntry.objects.filter(booking_id=booking_id, kind="hold").count() == 1
