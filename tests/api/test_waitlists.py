"""The waitlist through the API: join, see where one stands, leave, promote, claim."""

from datetime import datetime, timedelta

from passbook import clock
from passbook.models import Booking, Business
from passbook.services import bookings


def test_a_customer_joins_and_sees_their_place(apis, studio):
    ada = apis["customer_a"]
    joined = ada.post(f"/sessions/{studio.full.id}/waitlist", {"customer_id": studio.a.id})
    assert joined.status_code == 201, joined.content
    assert joined.json()["position"] == 1 and joined.json()["status"] == "waiting"
    mine = ada.get(f"/sessions/{studio.full.id}/waitlist").json()
    assert [e["customer_id"] for e in mine] == [studio.a.id]
    assert mine[0]["holds_credit"] is False  # the studio holds no credit for waits
    assert apis["customer_b"].get(f"/sessions/{studio.full.id}/waitlist").json() == []
    again = ada.post(f"/sessions/{studio.full.id}/waitlist", {"customer_id": studio.a.id})
    assert again.status_code == 409 and again.json()["code"] == "already_waiting"


def test_a_freed_place_goes_to_the_first_in_line(apis, studio):
    apis["owner"].post(f"/sessions/{studio.full.id}/waitlist", {"customer_id": studio.a.id})
    taken = Booking.objects.get(session=studio.full, status="booked")
    bookings.cancel(taken.id)
    mine = apis["customer_a"].get(f"/bookings?session={studio.full.id}").json()["results"]
    assert [b["pass_id"] for b in mine] == [studio.pass_a.id]


def test_joining_a_session_with_places_is_refused(apis, studio):
    answer = apis["customer_a"].post(
        f"/sessions/{studio.free.id}/waitlist", {"customer_id": studio.a.id}
    )
    assert answer.status_code == 409 and answer.json()["code"] == "session_not_full"


def test_without_a_usable_pass_the_answer_gives_the_reasons(apis, studio):
    answer = apis["owner"].post(
        f"/sessions/{studio.full.id}/waitlist", {"customer_id": studio.spare_customer.id}
    )
    assert answer.status_code == 409 and answer.json()["code"] == "no_usable_pass"
    assert answer.json()["reasons"] == []  # no passes at all


def test_customers_cannot_ask_for_drop_in_places(apis, studio):
    answer = apis["customer_a"].post(
        f"/sessions/{studio.full.id}/waitlist", {"customer_id": studio.a.id, "drop_in": True}
    )
    assert answer.status_code == 403


def test_staff_promote_the_customer_offered_a_place_in_the_late_window(apis, studio):
    owner = apis["owner"]
    waiting = owner.get(f"/sessions/{studio.late.id}/waitlist").json()
    assert [(e["id"], e["status"], e["position"]) for e in waiting] == [
        (studio.waiting_a.id, "offered", None)
    ]
    booked = owner.post(f"/waitlist/{studio.waiting_a.id}/promote")
    assert booked.status_code == 201 and booked.json()["pass_id"] == studio.pass_a.id
    assert owner.get(f"/sessions/{studio.late.id}/waitlist").json() == []


def test_leaving(apis, studio):
    entry = (
        apis["customer_a"]
        .post(f"/sessions/{studio.full.id}/waitlist", {"customer_id": studio.a.id})
        .json()
    )
    left = apis["customer_a"].call("DELETE", f"/waitlist/{entry['id']}")
    assert left.json()["status"] == "left" and left.json()["position"] is None
    again = apis["customer_a"].call("DELETE", f"/waitlist/{entry['id']}")
    assert again.status_code == 409 and again.json()["code"] == "not_waiting"


def test_leaving_with_a_place_on_offer_declines_it(apis, studio):
    left = apis["customer_a"].call("DELETE", f"/waitlist/{studio.waiting_a.id}")
    assert left.json()["status"] == "declined"


# Offers: `late` freed its place inside the late-cancel window, and A (first in line, not
# opted in) holds it until the cut-off.


def test_the_customer_sees_the_offer_and_claims_it(apis, studio):
    ada = apis["customer_a"]
    (mine,) = ada.get(f"/sessions/{studio.late.id}/waitlist").json()
    assert mine["status"] == "offered"
    cut_off = datetime.fromisoformat(mine["offer_expires_at"])
    assert abs(cut_off - studio.late.starts_at) < timedelta(milliseconds=1)  # never past it
    claimed = ada.post(f"/waitlist/{studio.waiting_a.id}/claim")
    assert claimed.status_code == 201, claimed.content
    assert claimed.json()["pass_id"] == studio.pass_a.id
    again = ada.post(f"/waitlist/{studio.waiting_a.id}/claim")
    assert again.status_code == 409 and again.json()["code"] == "not_offered"


def test_a_claim_after_the_cut_off_is_refused(apis, studio):
    with clock.at(studio.late.starts_at):
        late = apis["customer_a"].post(f"/waitlist/{studio.waiting_a.id}/claim")
    assert late.status_code == 409 and late.json()["code"] == "offer_expired"


def test_nobody_else_claims_an_offer(apis, studio):
    answer = apis["customer_b"].post(f"/waitlist/{studio.waiting_a.id}/claim")
    assert answer.status_code == 404


def test_a_session_may_set_its_own_waitlist_capacity(apis, studio):
    start = (clock.now() + timedelta(days=30)).isoformat()
    made = apis["owner"].post(
        "/sessions",
        {"class_type_id": studio.class_type.id, "starts_at": start, "waitlist_capacity": 0},
    )
    assert made.status_code == 201 and made.json()[0]["waitlist_capacity"] == 0
    assert apis["owner"].get(f"/sessions/{studio.full.id}").json()["waitlist_capacity"] is None


def test_a_held_credit_shows(apis, studio):
    Business.objects.filter(pk=1).update(waitlist_holds_credit=True)
    joined = apis["customer_a"].post(
        f"/sessions/{studio.full.id}/waitlist", {"customer_id": studio.a.id}
    )
    assert joined.status_code == 201 and joined.json()["holds_credit"] is True
