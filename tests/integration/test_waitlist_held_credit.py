"""Waitlists that hold a credit while waiting (Business.waitlist_holds_credit): held on
joining, given back on every way off the list, moved to the booking on promotion."""

from datetime import timedelta

import pytest

from passbook import clock
from passbook.jobs import run_all
from passbook.models import PassEntry, WaitlistEntry
from passbook.rules.calendar import local_date
from passbook.services import bookings, expiry, passes, schedule, verify, waitlists
from tests.factories import CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import D, counters, refused, sell
from tests.integration.test_waitlists import LATE, first_booking, fresh_entry, full, live

Status = WaitlistEntry.Status

__all__ = ["full"]  # the fixture, shared with the waitlist tests


@pytest.fixture
def holding(business, full):
    """A full session, at a studio that holds a credit while waiting."""
    business.waitlist_holds_credit = True
    business.save()
    return full


def join(session, customer, product=None, **kw) -> tuple[WaitlistEntry, object]:
    """The customer, sold `product` (one credit if not given), joins the waitlist."""
    p = sell(customer, product or ProductFactory(name="Single class", credits=1))
    return waitlists.join(customer.id, session.id, **kw), p


def moves(p) -> list[tuple[str, str]]:
    """The pass's credit moves after its grant: (kind, reason)."""
    return list(p.entries.exclude(kind="grant").values_list("kind", "reason"))


def test_joining_holds_a_credit_of_the_pass_that_would_pay(holding, customer):
    entry, p = join(holding, customer)
    assert entry.holds_credit and entry.credit_hold.customer_pass_id == p.id
    assert counters(p) == (D("1"), D("1"), D("0"), D("0"))
    assert moves(p) == [("hold", f"waiting for {holding}")]
    assert list(verify.problems()) == []


def test_without_the_setting_nothing_is_held(full, customer):
    entry, p = join(full, customer)
    assert not entry.holds_credit and counters(p)[1] == 0


def test_a_drop_in_joiner_holds_nothing(holding, customer):
    assert not waitlists.join(customer.id, holding.id, drop_in=True).holds_credit


def test_a_held_credit_cannot_be_spent_elsewhere(holding, customer, yoga):
    _, p = join(holding, customer)
    later = SessionFactory(class_type=yoga, starts_at=holding.ends_at + timedelta(hours=2))
    with refused("no_usable_pass") as info:
        bookings.book(customer.id, later.id)
    assert [r["code"] for r in info.value.details["reasons"]] == ["no_credits"]
    assert counters(p)[3] == 0


@pytest.mark.parametrize("by_staff", [False, True], ids=["leaving", "removal"])
def test_leaving_gives_the_credit_back(holding, customer, by_staff):
    entry, p = join(holding, customer)
    waitlists.leave(entry.id, by_staff=by_staff)
    entry = fresh_entry(entry)
    assert not entry.holds_credit and entry.credit_release.kind == "release"
    assert counters(p) == (D("1"), D("0"), D("0"), D("1"))
    assert list(verify.problems()) == []


def test_promotion_moves_the_hold_to_the_booking(holding, customer):
    entry, p = join(holding, customer)
    bookings.cancel(first_booking(holding).id)
    entry = fresh_entry(entry)
    assert entry.status == Status.PROMOTED and entry.booking.customer_pass_id == p.id
    assert counters(p) == (D("1"), D("1"), D("0"), D("0"))  # one hold, the booking's
    assert [kind for kind, _ in moves(p)] == ["hold", "release", "hold"]
    assert list(verify.problems()) == []


def test_promotion_spends_the_pass_the_spend_rule_picks_then(holding, customer, ten_pack):
    entry, held_on = join(holding, customer, ten_pack)
    with clock.at(clock.now() - timedelta(days=3)):
        older = sell(customer, ten_pack)  # bought earlier: it pays first
    bookings.cancel(first_booking(holding).id)
    assert fresh_entry(entry).booking.customer_pass_id == older.id
    assert counters(held_on) == (D("10"), D("0"), D("0"), D("10"))
    assert counters(older) == (D("10"), D("1"), D("0"), D("9"))
    assert list(verify.problems()) == []


def test_a_refused_promotion_keeps_the_credit_held(holding, customer):
    entry, p = join(holding, customer)
    with refused("session_full"):
        waitlists.promote(entry.id)
    assert fresh_entry(entry).holds_credit


def test_a_held_credit_is_enough_to_be_offered_and_claim_the_place(holding, customer):
    entry, p = join(holding, customer)  # their only credit, held for this wait
    with clock.at(LATE(holding)):
        bookings.cancel(first_booking(holding).id)
        entry = fresh_entry(entry)
        assert entry.status == Status.OFFERED and entry.holds_credit
        booking = waitlists.claim(entry.id)
    assert booking.customer_pass_id == p.id
    assert counters(p) == (D("1"), D("1"), D("0"), D("0"))
    assert list(verify.problems()) == []


def test_declining_an_offer_gives_the_credit_back(holding, customer):
    entry, p = join(holding, customer)
    with clock.at(LATE(holding)):
        bookings.cancel(first_booking(holding).id)
        waitlists.leave(entry.id)
    assert fresh_entry(entry).status == Status.DECLINED and counters(p)[1] == 0


def test_an_offer_not_claimed_in_time_gives_the_credit_back(holding, customer):
    entry, p = join(holding, customer)
    with clock.at(LATE(holding)):
        bookings.cancel(first_booking(holding).id)
    with clock.at(fresh_entry(entry).offer_expires_at):
        run_all()
    assert fresh_entry(entry).status == Status.OFFER_EXPIRED and counters(p)[1] == 0
    assert list(verify.problems()) == []


def test_cancelling_the_session_gives_the_credit_back(holding, customer):
    entry, p = join(holding, customer)
    schedule.cancel_session(holding.id)
    assert fresh_entry(entry).status == Status.REMOVED and counters(p)[1] == 0
    assert list(verify.problems()) == []


def test_booking_at_the_same_time_gives_the_credit_back(holding, customer, yoga, ten_pack):
    entry, p = join(holding, customer)
    sell(customer, ten_pack)
    bookings.book(customer.id, SessionFactory(class_type=yoga, starts_at=holding.starts_at).id)
    assert fresh_entry(entry).status == Status.BOOKED_ELSEWHERE and counters(p)[1] == 0
    assert list(verify.problems()) == []


def test_once_the_session_is_over_the_job_gives_the_credit_back(holding, customer):
    entry, p = join(holding, customer)
    with clock.at(holding.ends_at + timedelta(minutes=1)):
        run_all()
        run_all()  # once
    assert not fresh_entry(entry).holds_credit
    assert [kind for kind, _ in moves(p)] == ["hold", "release"]
    assert list(verify.problems()) == []


def test_a_credit_held_on_a_pass_that_expires_is_given_back_then_forfeited(
    business, holding, customer, ten_pack
):
    entry, p = join(holding, customer)
    today = local_date(clock.now(), business.tz)
    passes.change_validity(p.id, starts_on=today, expires_on=today, reason="shortened")
    with clock.at(clock.now() + timedelta(days=1)):
        assert list(expiry.due()) == [p]  # nothing left but the held credit
        assert expiry.forfeit([p.id]) == 1
    assert counters(p) == (D("1"), D("0"), D("0"), D("1"))
    assert [kind for kind, _ in moves(p)][-2:] == ["release", "forfeit"]
    assert fresh_entry(entry).status == Status.WAITING  # the spend rule decides at promotion
    assert list(verify.problems()) == []


def test_voiding_a_pass_gives_its_waitlist_credits_back(holding, customer):
    entry, p = join(holding, customer)
    passes.void(p.id, reason="refunded")
    assert counters(p)[1] == 0 and fresh_entry(entry).status == Status.WAITING
    assert list(verify.problems()) == []


def test_verify_finds_a_credit_held_after_leaving(holding, customer):
    entry, _ = join(holding, customer)
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=Status.LEFT)
    assert [p.message for p in verify.problems()] == ["left, but still holds a credit"]


def test_verify_finds_a_hold_and_release_that_do_not_match(holding, customer):
    entry, p = join(holding, customer)
    booking_hold = PassEntry.objects.filter(booking__isnull=False).first()
    WaitlistEntry.objects.filter(pk=entry.pk).update(credit_release=booking_hold)
    assert [p.message for p in verify.problems()] == [
        "its held credit's ledger entries do not match"
    ]


def test_others_waiting_are_promoted_in_turn_and_nobody_overspends(holding, ten_pack):
    entries = [join(holding, CustomerFactory())[0] for _ in range(3)]
    for _ in range(2):
        bookings.cancel(first_booking(holding).id)
    statuses = [fresh_entry(e).status for e in entries]
    assert statuses == [Status.PROMOTED, Status.PROMOTED, Status.WAITING]
    assert live(holding) == 2 and list(verify.problems()) == []
