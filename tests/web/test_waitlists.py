"""The waitlist on the back office roster: add someone, promote, remove."""

from datetime import timedelta

from passbook import clock
from passbook.models import Booking, WaitlistEntry
from passbook.services import bookings, passes, waitlists
from tests.factories import SessionFactory


def _full(office):
    """A one-place class tomorrow, taken by Ada; Bea (with a pass) is not in it."""
    session = SessionFactory(
        class_type=office.yoga, capacity=1, starts_at=clock.now() + timedelta(days=1)
    )
    bookings.book(office.ada.id, session.id)
    passes.sell(office.bea.id, office.product.id)
    return session


def test_staff_add_a_customer_to_the_waitlist_and_see_it(office, clients):
    session = _full(office)
    desk = clients["frontdesk"]
    page = desk.get(f"/office/sessions/{session.id}/").content.decode()
    assert "Add to waitlist" in page
    answer = desk.post(
        f"/office/sessions/{session.id}/book/",
        {"customer": office.bea.id, "paid_by": "pass", "waitlist": "1"},
        follow=True,
    )
    assert "is #1 on the waitlist" in answer.content.decode()
    page = desk.get(f"/office/sessions/{session.id}/").content.decode()
    assert 'id="waitlist"' in page and "Promote" in page and office.bea.name in page


def test_promote_needs_a_place_and_then_books(office, clients):
    session = _full(office)
    entry = waitlists.join(office.bea.id, session.id)
    desk = clients["frontdesk"]
    desk.post(f"/office/waitlist/{entry.id}/promote/", follow=True)
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "waiting"  # session full
    booking = Booking.objects.get(session=session, customer=office.ada)
    with clock.at(session.starts_at - timedelta(hours=1)):  # late: offered, not booked
        bookings.cancel(booking.id)
        assert WaitlistEntry.objects.get(pk=entry.pk).status == "offered"
        answer = desk.post(f"/office/waitlist/{entry.id}/promote/", follow=True)
    assert "Booked from the waitlist." in answer.content.decode()
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "promoted"


def test_remove(office, clients):
    session = _full(office)
    entry = waitlists.join(office.bea.id, session.id)
    answer = clients["frontdesk"].post(f"/office/waitlist/{entry.id}/remove/", follow=True)
    assert "Removed from the waitlist." in answer.content.decode()
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "removed"


def test_customers_and_strangers_cannot_act(office, clients):
    session = _full(office)
    entry = waitlists.join(office.bea.id, session.id)
    assert clients["anonymous"].post(f"/office/waitlist/{entry.id}/remove/").status_code == 302
    assert clients["frontdesk"].post(f"/office/waitlist/{entry.id}/shout/").status_code == 404
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "waiting"
