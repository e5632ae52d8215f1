"""The places form on the back office session page: capacity and waitlist capacity."""

from datetime import timedelta

import pytest

from passbook import clock
from passbook.models import Session, WaitlistEntry
from passbook.services import bookings, passes, waitlists
from tests.factories import SessionFactory
from tests.integration.helpers import fingerprint


def _full(office):
    """A one-place class tomorrow, taken by Ada; Bea (with a pass) waits for it."""
    session = SessionFactory(
        class_type=office.yoga, capacity=1, starts_at=clock.now() + timedelta(days=1)
    )
    bookings.book(office.ada.id, session.id)
    passes.sell(office.bea.id, office.product.id)
    return session, waitlists.join(office.bea.id, session.id)


def test_managers_see_the_form_filled_in(office, clients):
    session, _entry = _full(office)
    page = clients["manager"].get(f"/office/sessions/{session.id}/").content.decode()
    assert 'id="places-form"' in page
    assert 'name="capacity" value="1"' in page
    assert "the studio's default (10)" in page
    assert '<span id="waitlist-room">waitlist: 1 of 10</span>' in page


def test_the_front_desk_sees_no_form_and_may_not_post(office, clients):
    session, _entry = _full(office)
    desk = clients["frontdesk"]
    assert 'id="places-form"' not in desk.get(f"/office/sessions/{session.id}/").content.decode()
    answer = desk.post(f"/office/sessions/{session.id}/places/", {"capacity": 5})
    assert answer.status_code == 403
    assert Session.objects.get(pk=session.pk).capacity == 1


def test_one_more_place_books_the_first_in_line(office, clients):
    session, entry = _full(office)
    answer = clients["manager"].post(
        f"/office/sessions/{session.id}/places/",
        {"capacity": 2, "waitlist_capacity": "4"},
        follow=True,
    )
    page = answer.content.decode()
    assert f"Places changed. Booked from the waitlist: {office.bea.name}." in page
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "promoted"
    session = Session.objects.get(pk=session.pk)
    assert (session.capacity, session.waitlist_capacity) == (2, 4)


def test_blank_waitlist_capacity_is_the_studio_default(office, clients):
    session, _entry = _full(office)
    session.waitlist_capacity = 3
    session.save()
    clients["manager"].post(
        f"/office/sessions/{session.id}/places/", {"capacity": 1, "waitlist_capacity": ""}
    )
    assert Session.objects.get(pk=session.pk).waitlist_capacity is None


def test_a_refusal_is_shown_beside_the_field_and_changes_nothing(office, clients):
    session, entry = _full(office)
    answer = clients["manager"].post(f"/office/sessions/{session.id}/places/", {"capacity": 0})
    assert answer.status_code == 422
    assert 'data-error-for="capacity"' in answer.content.decode()
    waitlists.leave(entry.id)
    session.capacity = 2
    session.save()
    bookings.book(office.bea.id, session.id)
    before = fingerprint()
    answer = clients["manager"].post(f"/office/sessions/{session.id}/places/", {"capacity": 1})
    assert answer.status_code == 422
    assert "2 customers are booked: the capacity cannot be less." in answer.content.decode()
    assert fingerprint() == before


def test_a_cancelled_session_says_so_at_the_top_of_the_form(office, clients):
    session, _entry = _full(office)
    clients["manager"].post(f"/office/sessions/{session.id}/cancel/", {"reason": "ill"})
    answer = clients["manager"].post(f"/office/sessions/{session.id}/places/", {"capacity": 3})
    assert answer.status_code == 422
    assert "This session has been cancelled." in answer.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"capacity": "abc"},
        {"capacity": ""},
        {"capacity": "99999999999999999999"},
        {"capacity": "2", "waitlist_capacity": "-1"},
        {"capacity": "2", "waitlist_capacity": "1.5"},
    ],
    ids=["text", "blank", "huge", "negative-waitlist", "fraction"],
)
def test_bad_input_is_refused_on_the_form(office, clients, data):
    session, _entry = _full(office)
    before = fingerprint()
    answer = clients["manager"].post(f"/office/sessions/{session.id}/places/", data)
    assert answer.status_code == 422 and 'id="places-form"' in answer.content.decode()
    assert fingerprint() == before
