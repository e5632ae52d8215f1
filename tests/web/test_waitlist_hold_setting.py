"""The owner turns on holding a credit while waiting (Business.waitlist_holds_credit)."""

from passbook.models import Business
from tests.web.test_unpaid_settings import SETTINGS


def test_the_owner_turns_holding_a_credit_on_and_off(clients, office):
    owner = clients["owner"]
    assert 'name="waitlist_holds_credit"' in owner.get("/office/settings/").content.decode()
    posted = owner.post("/office/settings/", {**SETTINGS, "waitlist_holds_credit": "on"})
    assert posted.status_code == 302 and Business.current().waitlist_holds_credit
    assert owner.post("/office/settings/", SETTINGS).status_code == 302  # unticked
    assert not Business.current().waitlist_holds_credit
