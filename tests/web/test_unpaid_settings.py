"""Studio settings: the limits on unpaid passes, with the form's own validation."""

import html

from passbook.models import Business
from passbook.models.business import UnpaidPolicy

SETTINGS = {
    "name": "Test Studio",
    "time_zone": "UTC",
    "currency": "USD",
    "spend_order": "oldest_purchase",
    "late_cancel_hours": "12",
    "late_cancel_policy": "consume",
    "no_show_policy": "consume",
    "check_in_opens_minutes": "60",
    "attendance_closes_hours": "24",
    "waitlist_capacity": "10",
    "waitlist_claim_minutes": "120",
    "payment_retry_days": "1,3,7",
    "pay_at_desk": "on",
}


def test_the_owner_sets_a_cap_and_a_limit(clients, office):
    response = clients["owner"].post(
        "/office/settings/",
        {
            **SETTINGS,
            "unpaid_passes_per_customer": "2",
            "unpaid_pass_policy": "limited",
            "unpaid_pass_bookings": "3",
        },
    )
    assert response.status_code == 302
    business = Business.current()
    assert business.unpaid_passes_per_customer == 2
    assert (business.unpaid_pass_policy, business.unpaid_pass_bookings) == ("limited", 3)
    assert business.unpaid_booking_limit == 3


def test_limited_without_a_number_is_explained_beside_the_field(clients, office):
    response = clients["owner"].post(
        "/office/settings/", {**SETTINGS, "unpaid_pass_policy": "limited"}
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 422
    assert "Say how many sessions an unpaid pass may book." in page
    assert Business.current().unpaid_pass_policy == UnpaidPolicy.USABLE


def test_a_cap_of_zero_is_refused(clients, office):
    response = clients["owner"].post(
        "/office/settings/", {**SETTINGS, "unpaid_passes_per_customer": "0"}
    )
    assert response.status_code == 422
    assert Business.current().unpaid_passes_per_customer is None


def test_a_form_without_the_policy_keeps_the_current_one(clients, office):
    Business.objects.update(unpaid_pass_policy=UnpaidPolicy.HOLD)
    assert clients["owner"].post("/office/settings/", SETTINGS).status_code == 302
    assert Business.current().unpaid_pass_policy == UnpaidPolicy.HOLD
