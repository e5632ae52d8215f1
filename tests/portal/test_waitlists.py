"""The waitlist in the portal: join a full class, see one's place, leave, get promoted."""

from passbook.models import Booking, WaitlistEntry
from passbook.services import bookings
from tests.factories import ProductFactory
from tests.integration.helpers import fingerprint
from tests.portal.conftest import logged_in, sell


def _fill(portal):
    portal.yoga_class.capacity = 1
    portal.yoga_class.save()
    sell(portal.b, portal.general)
    return bookings.book(portal.b.id, portal.yoga_class.id)


def test_a_full_class_offers_the_waitlist_and_shows_the_place(portal):
    taken = _fill(portal)
    sell(portal.a, portal.general)
    client = logged_in(portal.a)
    page = client.get("/portal/timetable/").content.decode()
    assert "Join waitlist" in page
    joined = client.post(f"/portal/waitlist/{portal.yoga_class.id}/", {"late_ok": "1"}, follow=True)
    assert "You&#x27;re #1 on the waitlist" in joined.content.decode()
    entry = WaitlistEntry.objects.get(customer=portal.a)
    assert entry.auto_promote_late
    page = client.get("/portal/timetable/").content.decode()
    assert "#1 on the waitlist" in page and "Leave waitlist" in page
    bookings.cancel(taken.id)
    booked = Booking.objects.get(customer=portal.a, session=portal.yoga_class)
    assert booked.customer_pass.name == "10-class pass"
    assert "Booked" in client.get("/portal/timetable/").content.decode()


def test_leaving_from_the_timetable(portal):
    _fill(portal)
    sell(portal.a, portal.general)
    client = logged_in(portal.a)
    client.post(f"/portal/waitlist/{portal.yoga_class.id}/")
    entry = WaitlistEntry.objects.get(customer=portal.a)
    page = client.post(f"/portal/waitlist/leave/{entry.id}/", follow=True).content.decode()
    assert "You have left the waitlist." in page
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "left"


def test_a_refusal_is_shown_not_raised(portal):
    client = logged_in(portal.a)  # no pass, and the class is not full
    page = client.post(f"/portal/waitlist/{portal.yoga_class.id}/", follow=True)
    assert page.status_code == 200 and not WaitlistEntry.objects.exists()


def test_nobody_leaves_someone_elses_waitlist(portal):
    _fill(portal)
    sell(portal.a, portal.general)
    logged_in(portal.a).post(f"/portal/waitlist/{portal.yoga_class.id}/")
    entry = WaitlistEntry.objects.get(customer=portal.a)
    client = logged_in(portal.b)
    before = fingerprint()
    assert client.post(f"/portal/waitlist/leave/{entry.id}/").status_code == 404
    assert fingerprint() == before


def test_a_skipped_customer_sees_why_on_the_timetable(portal):
    taken = _fill(portal)
    one = ProductFactory(name="Single class", credits=1)
    sell(portal.a, one)
    client = logged_in(portal.a)
    client.post(f"/portal/waitlist/{portal.yoga_class.id}/")
    bookings.book(portal.a.id, portal.later_yoga.id)  # the one credit goes elsewhere
    bookings.cancel(taken.id)
    page = client.get("/portal/timetable/").content.decode()
    assert "#1 on the waitlist" in page and "could not book you" in page
    assert "Single class" in page
