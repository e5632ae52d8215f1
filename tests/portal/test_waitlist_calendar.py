"""The calendar feed lists real bookings only: a place waited for is not in it until the
customer is booked into it."""

import icalendar
from django.test import Client

from passbook.models import Customer, WaitlistEntry
from passbook.services import accounts, bookings, schedule, waitlists
from tests.portal.conftest import sell


def _feed(customer: Customer) -> list[str]:
    token = accounts.new_calendar_token(customer.id)
    feed = Client().get(f"/portal/calendar/{token}.ics")
    return [str(e["uid"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")]


def test_waiting_is_not_in_the_calendar_and_a_promotion_is(portal):
    sell(portal.a, portal.general)
    sell(portal.b, portal.general)
    booked = bookings.book(portal.a.id, portal.yoga_class.id)
    schedule.change_places(portal.later_yoga.id, capacity=1)
    taken = bookings.book(portal.b.id, portal.later_yoga.id)
    entry = waitlists.join(portal.a.id, portal.later_yoga.id)
    assert _feed(portal.a) == [f"booking-{booked.id}@passbook"]
    bookings.cancel(taken.id)  # the place goes to Ada
    promoted = WaitlistEntry.objects.get(pk=entry.pk).booking
    assert sorted(_feed(portal.a)) == sorted(
        [f"booking-{booked.id}@passbook", f"booking-{promoted.id}@passbook"]
    )
    assert _feed(portal.b) == []
