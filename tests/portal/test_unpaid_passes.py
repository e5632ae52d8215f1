"""Unpaid passes in the portal: the cap on pay-at-the-desk purchases, and the timetable
saying why an unpaid pass cannot book."""

import html

from passbook.models import Business, Pass
from passbook.models.business import UnpaidPolicy
from tests.integration.helpers import fingerprint
from tests.portal.conftest import logged_in


def studio(**settings) -> None:
    business = Business.current()
    for name, value in settings.items():
        setattr(business, name, value)
    business.save()


def test_buying_past_the_cap_explains_and_sells_nothing(portal):
    studio(unpaid_passes_per_customer=1)
    ada = logged_in(portal.a)
    buy = f"/portal/buy/{portal.general.id}/"
    ada.post(buy, {"product": portal.general.id})
    before = fingerprint()
    response = ada.post(buy, {"product": portal.general.id})
    assert response.status_code == 422
    assert (
        "You may owe money on at most 1 pass at a time; pay for one (at the desk, or online) "
        "before buying another." in html.unescape(response.content.decode())
    )
    assert fingerprint() == before and Pass.objects.filter(customer=portal.a).count() == 1


def test_the_timetable_says_a_held_pass_waits_for_its_payment(portal):
    studio(unpaid_pass_policy=UnpaidPolicy.HOLD)
    ada = logged_in(portal.a)
    ada.post(f"/portal/buy/{portal.general.id}/", {"product": portal.general.id})
    page = html.unescape(ada.get("/portal/timetable/").content.decode())
    assert "10-class pass: on hold until paid (200.00 owed)" in page
