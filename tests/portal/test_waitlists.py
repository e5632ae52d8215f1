"""The waitlist in the portal: join a full class, see one's place, leave, get promoted,
claim or decline an offered place."""

from datetime import timedelta

from passbook import clock
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


def _offered(portal):
    """A waits (not opted in); B cancels inside the late-cancel window: A is offered it."""
    taken = _fill(portal)
    sell(portal.a, portal.general)
    client = logged_in(portal.a)
    client.post(f"/portal/waitlist/{portal.yoga_class.id}/")
    with clock.at(portal.yoga_class.starts_at - timedelta(hours=2)):
        bookings.cancel(taken.id)
    entry = WaitlistEntry.objects.get(customer=portal.a)
    assert entry.status == "offered"
    return client, entry


def test_an_offer_is_news_on_home_and_claimed_from_my_bookings(portal):
    client, entry = _offered(portal)
    with clock.at(portal.yoga_class.starts_at - timedelta(hours=1)):
        home = client.get("/portal/").content.decode()
        assert "it is held for you until" in home and "Claim or decline it" in home
        mine = client.get("/portal/bookings/").content.decode()
        assert f'data-entry="{entry.id}"' in mine and "Claim" in mine
        timetable = client.get("/portal/timetable/").content.decode()
        assert "A place is held for you" in timetable
        page = client.post(f"/portal/waitlist/claim/{entry.id}/", follow=True).content.decode()
        assert "Booked: Vinyasa" in page
        home = client.get("/portal/").content.decode()
    booked = Booking.objects.get(customer=portal.a, session=portal.yoga_class)
    assert booked.customer_pass.name == "10-class pass"
    assert "you are booked into Vinyasa" in home


def test_declining_an_offer_in_the_portal(portal):
    client, entry = _offered(portal)
    with clock.at(portal.yoga_class.starts_at - timedelta(hours=1)):
        page = client.post(f"/portal/waitlist/leave/{entry.id}/", follow=True).content.decode()
    assert "You declined the place." in page
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "declined"


def test_a_claim_too_late_is_explained(portal):
    client, entry = _offered(portal)
    with clock.at(portal.yoga_class.starts_at):
        page = client.post(f"/portal/waitlist/claim/{entry.id}/", follow=True).content.decode()
    assert "not claimed in time" in page
    assert not Booking.objects.filter(customer=portal.a).exists()


def test_nobody_claims_someone_elses_offer(portal):
    _client, entry = _offered(portal)
    client = logged_in(portal.b)
    before = fingerprint()
    assert client.post(f"/portal/waitlist/claim/{entry.id}/").status_code == 404
    assert fingerprint() == before


def test_my_bookings_lists_my_waitlists_with_place_and_skip_reason(portal):
    taken = _fill(portal)
    sell(portal.a, ProductFactory(name="Single class", credits=1))
    client = logged_in(portal.a)
    client.post(f"/portal/waitlist/{portal.yoga_class.id}/")
    bookings.book(portal.a.id, portal.later_yoga.id)  # the one credit goes elsewhere
    bookings.cancel(taken.id)
    mine = client.get("/portal/bookings/").content.decode()
    assert "You&#x27;re #1 on the waitlist" in mine
    assert "You were passed over because: None of your passes" in mine
    home = client.get("/portal/").content.decode()
    assert "you were passed over because" in home and "Single class" in home
