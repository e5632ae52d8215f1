"""The demo's waitlists: two full classes with people waiting in order, one promoted by a
cancellation, and one skipped (their pass frozen that day) with the reason."""

from datetime import UTC, datetime

import pytest
import time_machine

from passbook import demo
from passbook.models import Booking, Customer, Session, WaitlistEntry
from passbook.services import waitlists
from passbook.services.verify import problems
from tests.integration.test_demo import PINNED

MOMENTS = [PINNED, datetime(2026, 4, 4, 15, 30, tzinfo=UTC), datetime(2027, 2, 28, 13, tzinfo=UTC)]


def _named(first: str) -> Customer:
    return Customer.objects.get(first_name=first, last_name__in=[n for _f, n in demo.WAITING])


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.isoformat())
def test_two_full_classes_with_waitlists(db, moment):
    with time_machine.travel(moment, tick=False):
        demo.build()
    hugo, iris, june = _named("Hugo"), _named("Iris"), _named("June")
    promoted = WaitlistEntry.objects.get(status="promoted")
    assert promoted.customer == iris and promoted.booking.status == Booking.Status.BOOKED
    last = promoted.session
    in_line = list(waitlists.with_position(waitlists.waiting(last)))
    assert [(e.customer, e.position) for e in in_line] == [(hugo, 1), (june, 2)]
    assert "frozen" in in_line[0].skip_reason.lower()
    full = Session.objects.filter(waitlist__status="waiting").distinct()
    assert len(full) == 2 and last in full
    for session in full:
        assert session.bookings.filter(status__in=Booking.LIVE).count() == session.capacity
    assert list(problems()) == []
