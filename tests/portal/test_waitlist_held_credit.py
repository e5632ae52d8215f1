"""A credit held while waiting, as customers and staff see it: the portal's waitlist,
the roster, and the studio setting that turns it on."""

from passbook.models import Business, WaitlistEntry
from passbook.services import waitlists
from tests.portal.conftest import logged_in, sell
from tests.portal.test_waitlists import _fill


def test_the_portal_and_the_roster_show_the_credit_held_for_the_wait(portal, django_user_model):
    business = Business.current()
    business.waitlist_holds_credit = True
    business.save()
    _fill(portal)
    sell(portal.a, portal.general)
    client = logged_in(portal.a)
    client.post(f"/portal/waitlist/{portal.yoga_class.id}/")
    assert WaitlistEntry.objects.get(customer=portal.a).holds_credit
    page = client.get("/portal/bookings/").content.decode()
    assert "1 credit of your 10-class pass held for this wait" in page
    owner = django_user_model.objects.create_user("holds-owner", password="x", role="owner")
    client.force_login(owner)
    roster = client.get(f"/office/sessions/{portal.yoga_class.id}/").content.decode()
    assert "1 CR held on 10-class pass" in roster
    pass_id = WaitlistEntry.objects.get(customer=portal.a).credit_hold.customer_pass_id
    waitlists.leave(WaitlistEntry.objects.get(customer=portal.a).id)
    history = client.get(f"/office/passes/{pass_id}/?tab=history").content.decode()
    assert "Held for a waitlist" in history and "Waitlist hold given back" in history
