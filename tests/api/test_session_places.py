"""PATCH /sessions/{id}: a session's capacity and waitlist capacity."""

import pytest

from passbook.models import Booking, Session
from passbook.services import bookings, waitlists
from tests.integration.helpers import fingerprint


def patch(api, session, body):
    return api.call("PATCH", f"/sessions/{session.id}", body)


def test_a_larger_capacity_books_the_first_in_line(apis, studio):
    apis["owner"].post(f"/sessions/{studio.full.id}/waitlist", {"customer_id": studio.a.id})
    answer = patch(apis["manager"], studio.full, {"capacity": 2})
    assert answer.status_code == 200, answer.content
    assert answer.json()["capacity"] == 2 and answer.json()["places_left"] == 0
    mine = Booking.objects.get(session=studio.full, customer=studio.a)
    assert mine.customer_pass_id == studio.pass_a.id
    assert not waitlists.waiting(studio.full).exists()


def test_only_the_fields_sent_change(apis, studio):
    manager = apis["manager"]
    answer = patch(manager, studio.free, {"waitlist_capacity": 3})
    assert answer.json()["waitlist_capacity"] == 3 and answer.json()["capacity"] == 10
    answer = patch(manager, studio.free, {"capacity": 12})
    assert answer.json()["waitlist_capacity"] == 3 and answer.json()["capacity"] == 12
    answer = patch(manager, studio.free, {"waitlist_capacity": None})  # the studio's again
    assert answer.json()["waitlist_capacity"] is None
    assert Session.objects.get(pk=studio.free.pk).capacity == 12


def test_below_the_live_bookings_is_a_problem(apis, studio):
    bookings.book(studio.b.id, studio.future.id, paid_by="complimentary")  # A and Bea
    before = fingerprint()
    answer = patch(apis["manager"], studio.future, {"capacity": 1, "waitlist_capacity": 0})
    assert answer.status_code == 409 and answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "capacity_below_booked" and problem["booked"] == 2
    assert problem["errors"] == [{"field": "capacity", "message": problem["detail"]}]
    assert fingerprint() == before
    assert patch(apis["manager"], studio.future, {"capacity": 2}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"capacity": 0}, {"capacity": None}, {"capacity": "5"}, {"waitlist_capacity": 1001}, []],
    ids=["zero", "null", "text", "too-long", "not-an-object"],
)
def test_malformed_bodies_are_422(apis, studio, body):
    before = fingerprint()
    answer = patch(apis["manager"], studio.free, body)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "validation_error"
    assert fingerprint() == before


def test_a_cancelled_session_is_a_conflict(apis, studio):
    apis["manager"].post(f"/sessions/{studio.free.id}/cancel", {"reason": "teacher ill"})
    answer = patch(apis["manager"], studio.free, {"capacity": 20})
    assert answer.status_code == 409 and answer.json()["code"] == "session_cancelled"


def test_front_desk_may_not(apis, studio):
    answer = patch(apis["frontdesk"], studio.free, {"capacity": 20})
    assert answer.status_code == 403
