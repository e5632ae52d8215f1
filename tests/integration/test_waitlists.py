"""Waitlists: join a full session, leave, and promotion when a place frees up."""

from datetime import timedelta

import pytest

from passbook import clock, reports
from passbook.jobs import run_all
from passbook.models import Booking, Notification, OnlineCheckout, Session, WaitlistEntry
from passbook.services import bookings, online_payments, passes, schedule, verify, waitlists
from tests.factories import CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import D, counters, refused, sell

Status = WaitlistEntry.Status


@pytest.fixture
def full(business, yoga, ten_pack):
    """A session with two places, both booked (by customers with a 10-class pass)."""
    session = SessionFactory(class_type=yoga, capacity=2)
    for _ in range(2):
        c = CustomerFactory()
        sell(c, ten_pack)
        bookings.book(c.id, session.id)
    return session


def waiter(session, product, **kw) -> WaitlistEntry:
    c = CustomerFactory()
    sell(c, product)
    return waitlists.join(c.id, session.id, **kw)


def first_booking(session) -> Booking:
    return session.bookings.filter(status=Booking.Status.BOOKED).order_by("id").first()


def live(session) -> int:
    return session.bookings.filter(status__in=Booking.LIVE).count()


def kinds(customer) -> list[str]:
    return list(Notification.objects.filter(customer=customer).values_list("kind", flat=True))


# Joining


def test_a_customer_joins_a_full_session(full, ten_pack):
    entry = waiter(full, ten_pack)
    assert entry.status == Status.WAITING and waitlists.position(entry) == 1
    assert waitlists.position(waiter(full, ten_pack)) == 2


def test_a_session_with_places_is_booked_not_waited_for(business, customer, ten_pack, session):
    sell(customer, ten_pack)
    with refused("session_not_full"):
        waitlists.join(customer.id, session.id)


def test_someone_booked_cannot_also_wait(full):
    with refused("already_booked"):
        waitlists.join(first_booking(full).customer_id, full.id)


def test_one_waiting_entry_per_customer(full, ten_pack):
    entry = waiter(full, ten_pack)
    with refused("already_waiting"):
        waitlists.join(entry.customer_id, full.id)


def test_the_waitlist_has_a_capacity_per_studio(business, full, ten_pack):
    business.waitlist_capacity = 1
    business.save()
    waiter(full, ten_pack)
    c = CustomerFactory()
    sell(c, ten_pack)
    with refused("waitlist_full"):
        waitlists.join(c.id, full.id)


def test_a_session_may_allow_a_longer_waitlist(business, full, ten_pack):
    business.waitlist_capacity = 1
    business.save()
    full.waitlist_capacity = 2
    full.save()
    waiter(full, ten_pack)
    assert waiter(full, ten_pack).status == Status.WAITING


def test_no_waitlist_for_a_cancelled_or_ended_session(full, ten_pack):
    c = CustomerFactory()
    sell(c, ten_pack)
    with clock.at(full.ends_at + timedelta(minutes=1)), refused("session_over"):
        waitlists.join(c.id, full.id)
    schedule.cancel_session(full.id)
    with refused("session_cancelled"):
        waitlists.join(c.id, full.id)


def test_joining_needs_a_pass_that_could_pay_today(full, customer):
    sell(customer, ProductFactory(credits=1))
    bookings.book(customer.id, SessionFactory(class_type=full.class_type).id)
    with refused("no_usable_pass") as info:
        waitlists.join(customer.id, full.id)
    assert [r["code"] for r in info.value.details["reasons"]] == ["no_credits"]


def test_or_the_drop_in_price(full, customer):
    assert waitlists.join(customer.id, full.id, drop_in=True).drop_in


# Leaving


def test_leaving_ends_the_entry_and_moves_the_others_up(full, ten_pack):
    first, second = waiter(full, ten_pack), waiter(full, ten_pack)
    assert waitlists.leave(first.id).status == Status.LEFT
    assert waitlists.position(second) == 1
    with refused("not_waiting"):
        waitlists.leave(first.id)


def test_staff_remove_someone(full, ten_pack):
    entry = waiter(full, ten_pack)
    assert waitlists.leave(entry.id, by_staff=True).status == Status.REMOVED


def test_after_leaving_one_may_join_again(full, ten_pack):
    entry = waiter(full, ten_pack)
    waitlists.leave(entry.id)
    assert waitlists.join(entry.customer_id, full.id).status == Status.WAITING


# Promotion


def test_a_cancellation_books_the_first_in_line_on_the_pass_the_spend_rule_picks(
    full, ten_pack, customer
):
    with clock.at(clock.now() - timedelta(days=3)):
        older = sell(customer, ten_pack)
    sell(customer, ten_pack)
    entry = waitlists.join(customer.id, full.id)
    second = waiter(full, ten_pack)
    bookings.cancel(first_booking(full).id)
    entry = fresh_entry(entry)
    assert entry.status == Status.PROMOTED and entry.booking.customer_pass == older
    assert counters(older) == (D("10"), D("1"), D("0"), D("9"))
    assert fresh_entry(second).status == Status.WAITING and waitlists.position(second) == 1
    assert live(full) == 2
    assert Notification.Kind.WAITLIST_PROMOTED in kinds(customer)
    assert list(verify.problems()) == []


def fresh_entry(entry: WaitlistEntry) -> WaitlistEntry:
    return WaitlistEntry.objects.get(pk=entry.pk)


def test_someone_who_cannot_pay_any_more_is_skipped_and_told_why(full, customer, ten_pack):
    one = sell(customer, ProductFactory(name="Single class", credits=1))
    entry = waitlists.join(customer.id, full.id)
    bookings.book(customer.id, SessionFactory(class_type=full.class_type).id)  # spends it
    second = waiter(full, ten_pack)
    bookings.cancel(first_booking(full).id)
    entry = fresh_entry(entry)
    assert entry.status == Status.WAITING and "Single class" in entry.skip_reason
    assert "no credits" in entry.skip_reason.lower()
    assert fresh_entry(second).status == Status.PROMOTED
    assert Notification.Kind.WAITLIST_SKIPPED in kinds(customer)
    assert counters(one)[3] == 0


def test_a_drop_in_waiter_is_booked_as_a_drop_in(full, customer):
    entry = waitlists.join(customer.id, full.id, drop_in=True)
    bookings.cancel(first_booking(full).id)
    booking = fresh_entry(entry).booking
    assert booking.paid_by == Booking.PaidBy.DROP_IN
    assert booking.price == full.class_type.drop_in_price


def test_promotion_leaves_the_waitlists_of_overlapping_sessions(full, yoga, customer, ten_pack):
    sell(customer, ten_pack)
    other = SessionFactory(
        class_type=yoga, capacity=1, starts_at=full.starts_at + timedelta(minutes=30)
    )
    bookings.book(CustomerFactory().id, other.id, paid_by="complimentary")
    later = SessionFactory(class_type=yoga, capacity=1, starts_at=full.ends_at + timedelta(hours=3))
    bookings.book(CustomerFactory().id, later.id, paid_by="complimentary")
    here = waitlists.join(customer.id, full.id)
    there = waitlists.join(customer.id, other.id)
    elsewhere = waitlists.join(customer.id, later.id)
    bookings.cancel(first_booking(full).id)
    assert fresh_entry(here).status == Status.PROMOTED
    assert fresh_entry(there).status == Status.BOOKED_ELSEWHERE
    assert fresh_entry(elsewhere).status == Status.WAITING
    # the place that frees later in the overlapping session goes to someone else
    bookings.cancel(first_booking(other).id)
    assert live(other) == 0 and customer.bookings.filter(session=other).count() == 0


def test_someone_who_booked_an_overlapping_class_meanwhile_is_not_double_booked(
    full, yoga, customer, ten_pack
):
    sell(customer, ten_pack)
    entry = waitlists.join(customer.id, full.id)
    clash = SessionFactory(class_type=yoga, starts_at=full.starts_at)
    bookings.book(customer.id, clash.id)
    second = waiter(full, ten_pack)
    bookings.cancel(first_booking(full).id)
    assert fresh_entry(entry).status == Status.BOOKED_ELSEWHERE
    assert fresh_entry(second).status == Status.PROMOTED


def test_booking_a_class_at_the_same_time_ends_the_wait_at_once(full, yoga, customer, ten_pack):
    sell(customer, ten_pack)
    entry = waitlists.join(customer.id, full.id)
    later = SessionFactory(class_type=yoga, starts_at=full.ends_at + timedelta(hours=1))
    bookings.book(customer.id, later.id)
    assert fresh_entry(entry).status == Status.WAITING  # not at the same time: still waiting
    bookings.book(customer.id, SessionFactory(class_type=yoga, starts_at=full.starts_at).id)
    assert fresh_entry(entry).status == Status.BOOKED_ELSEWHERE
    assert waitlists.waiting(full).count() == 0  # off the list now, not at the next promotion


def test_no_automatic_promotion_inside_the_late_cancel_window(full, ten_pack):
    cautious = waiter(full, ten_pack)
    keen = waiter(full, ten_pack, late_ok=True)
    with clock.at(LATE(full)):
        bookings.cancel(first_booking(full).id)
    # first in line is offered the place (held for them), not booked into it
    assert fresh_entry(cautious).status == Status.OFFERED
    assert fresh_entry(keen).status == Status.WAITING
    assert live(full) == 1


def test_a_late_opt_in_is_booked_at_once(full, ten_pack):
    keen = waiter(full, ten_pack, late_ok=True)
    with clock.at(LATE(full)):
        bookings.cancel(first_booking(full).id)
    assert fresh_entry(keen).status == Status.PROMOTED and live(full) == 2


def test_inside_the_window_staff_may_book_the_offered_customer(full, ten_pack):
    cautious = waiter(full, ten_pack)
    with clock.at(LATE(full)):
        bookings.cancel(first_booking(full).id)
        assert live(full) == 1
        booking = waitlists.promote(cautious.id)
    assert fresh_entry(cautious).booking == booking and live(full) == 2


# Offers (inside the late-cancel window)


def LATE(session):  # noqa: N802  # reads as a moment, like the fixtures' constants
    """Inside the late-cancel window, with time left to claim."""
    return session.starts_at - timedelta(hours=2)


def offered(full, ten_pack, *others) -> WaitlistEntry:
    """The first in line, offered the place a late cancellation freed (now: LATE)."""
    entry = waiter(full, ten_pack)
    for kw in others:
        waiter(full, ten_pack, **kw)
    bookings.cancel(first_booking(full).id)
    return fresh_entry(entry)


@pytest.fixture
def late(full):
    with clock.at(LATE(full)):
        yield full


def test_an_offered_place_is_held_until_the_cut_off(business, late, ten_pack, customer):
    entry = offered(late, ten_pack)
    assert entry.offer_expires_at == clock.now() + timedelta(minutes=120)
    sell(customer, ten_pack)
    with refused("session_full"):
        bookings.book(customer.id, late.id)
    assert Notification.objects.filter(key=f"waitlist-offered:{entry.id}").exists()
    assert list(verify.problems()) == []


def test_the_cut_off_is_never_after_the_start(business, late, ten_pack):
    business.waitlist_claim_minutes = 24 * 60
    business.save()
    assert offered(late, ten_pack).offer_expires_at == late.starts_at


def test_claiming_books_on_the_pass_the_spend_rule_picks(late, ten_pack):
    entry = offered(late, ten_pack)
    booking = waitlists.claim(entry.id)
    entry = fresh_entry(entry)
    assert entry.status == Status.PROMOTED and entry.booking == booking
    assert counters(booking.customer_pass)[1] == 1  # one credit held
    assert live(late) == 2 and list(verify.problems()) == []


def test_a_claim_after_the_cut_off_is_refused(late, ten_pack):
    entry = offered(late, ten_pack)
    with clock.at(entry.offer_expires_at), refused("offer_expired"):
        waitlists.claim(entry.id)


def test_a_claim_that_cannot_be_paid_says_why_and_the_offer_stands(late, customer):
    one = sell(customer, ProductFactory(name="Single class", credits=1))
    entry = waitlists.join(customer.id, late.id)
    bookings.cancel(first_booking(late).id)
    assert fresh_entry(entry).status == Status.OFFERED
    bookings.book(customer.id, SessionFactory(class_type=late.class_type).id)  # spends it
    with refused("no_usable_pass") as info:
        waitlists.claim(entry.id)
    assert info.value.details["reasons"][0]["pass_id"] == one.id
    assert fresh_entry(entry).status == Status.OFFERED


def test_only_an_offer_can_be_claimed(full, ten_pack):
    entry = waiter(full, ten_pack)
    with refused("not_offered"):
        waitlists.claim(entry.id)


def test_declining_passes_the_place_to_the_next_in_line(late, ten_pack):
    entry = offered(late, ten_pack, {}, {"late_ok": True})
    second, third = waitlists.waiting(late)
    waitlists.leave(entry.id)
    assert fresh_entry(entry).status == Status.DECLINED
    assert fresh_entry(second).status == Status.OFFERED  # the next in line, in turn
    waitlists.leave(second.id)
    assert fresh_entry(third).status == Status.PROMOTED  # opted in: booked at once
    assert live(late) == 2 and list(verify.problems()) == []


def test_a_lapsed_offer_passes_on_when_the_jobs_run(business, late, ten_pack):
    business.waitlist_claim_minutes = 30
    business.save()
    entry = offered(late, ten_pack, {})
    (second,) = waitlists.waiting(late)
    with clock.at(entry.offer_expires_at):
        assert run_all().counts["waitlist offers lapsed"] == 1
        assert run_all().counts["waitlist offers lapsed"] == 0  # once
    assert fresh_entry(entry).status == Status.OFFER_EXPIRED
    assert fresh_entry(second).status == Status.OFFERED


def test_someone_who_cannot_pay_is_not_offered_the_place(late, customer, ten_pack):
    sell(customer, ProductFactory(name="Single class", credits=1))
    entry = waitlists.join(customer.id, late.id)
    bookings.book(customer.id, SessionFactory(class_type=late.class_type).id)  # spends it
    second = waiter(late, ten_pack)
    bookings.cancel(first_booking(late).id)
    assert "Single class" in fresh_entry(entry).skip_reason
    assert fresh_entry(entry).status == Status.WAITING
    assert fresh_entry(second).status == Status.OFFERED


def test_booking_at_the_same_time_withdraws_an_offer_and_the_job_passes_it_on(late, ten_pack, yoga):
    entry = offered(late, ten_pack, {})
    (second,) = waitlists.waiting(late)
    bookings.book(entry.customer_id, SessionFactory(class_type=yoga, starts_at=late.starts_at).id)
    with refused("offer_expired"):
        waitlists.claim(entry.id)
    run_all()
    assert fresh_entry(second).status == Status.OFFERED


def test_cancelling_the_session_ends_its_offers(late, ten_pack):
    entry = offered(late, ten_pack)
    schedule.cancel_session(late.id)
    assert fresh_entry(entry).status == Status.REMOVED and list(verify.problems()) == []


def test_no_offer_once_the_session_has_started(full, ten_pack):
    entry = waiter(full, ten_pack)
    with clock.at(full.starts_at + timedelta(minutes=5)):
        bookings.cancel(first_booking(full).id)
    assert fresh_entry(entry).status == Status.WAITING


def test_verify_finds_offers_over_the_places_or_without_a_cut_off(late, ten_pack):
    entry = offered(late, ten_pack)
    Session.objects.filter(pk=late.pk).update(capacity=1)
    assert [p.message for p in verify.problems()] == [
        "1 live bookings and 1 offered places for 1 places"
    ]
    WaitlistEntry.objects.filter(pk=entry.pk).update(offer_expires_at=None)
    assert [p.message for p in verify.problems()] == ["offered without a cut-off before the start"]


def test_staff_promotion_needs_a_free_place(full, ten_pack):
    entry = waiter(full, ten_pack)
    with refused("session_full"):
        waitlists.promote(entry.id)


def test_staff_removing_a_booking_promotes_too(full, ten_pack):
    entry = waiter(full, ten_pack)
    bookings.cancel(first_booking(full).id, waive_late_policy=True)
    assert fresh_entry(entry).status == Status.PROMOTED


def test_voiding_a_pass_frees_its_places_for_the_waitlist(full, ten_pack):
    entry = waiter(full, ten_pack)
    booking = first_booking(full)
    passes.void(booking.customer_pass_id, reason="refunded")
    assert fresh_entry(entry).status == Status.PROMOTED and live(full) == 2
    assert list(verify.problems()) == []


def test_cancelling_the_session_closes_its_waitlist(full, ten_pack):
    entry = waiter(full, ten_pack)
    schedule.cancel_session(full.id)
    assert fresh_entry(entry).status == Status.REMOVED


def test_places_freed_one_after_another_go_in_order(full, ten_pack):
    entries = [waiter(full, ten_pack) for _ in range(3)]
    for _ in range(2):
        bookings.cancel(first_booking(full).id)
    assert [fresh_entry(e).status for e in entries] == [
        Status.PROMOTED,
        Status.PROMOTED,
        Status.WAITING,
    ]
    assert live(full) == 2


def test_the_report_counts_waitlist_demand_per_class_type(full, ten_pack):
    entries = [waiter(full, ten_pack) for _ in range(3)]
    bookings.cancel(first_booking(full).id)
    waitlists.leave(entries[2].id)
    day = full.starts_at.date()
    assert reports.waitlist_demand(day, day).rows == [[full.class_type.name, 3, 1, 2]]


def test_verify_finds_a_promotion_without_its_booking(full, ten_pack):
    entry = waiter(full, ten_pack)
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=Status.PROMOTED)
    assert [str(p) for p in verify.problems()] == [
        f"waitlist entry {entry.id}: promoted, but without its booking"
    ]


def test_a_lapsed_card_checkout_gives_its_place_to_the_first_in_line(business, yoga, ten_pack):
    session = SessionFactory(class_type=yoga, capacity=1)
    buyer = CustomerFactory()
    unpaid = sell(buyer, ten_pack, session_ids=[session.id])
    now = clock.now()
    checkout = OnlineCheckout.objects.create(
        customer_pass=unpaid, currency="usd", created_at=now, updated_at=now
    )  # no PaymentIntent yet: nothing to cancel at Stripe
    entry = waiter(session, ten_pack)
    assert online_payments.release(checkout.id)
    assert fresh_entry(entry).status == Status.PROMOTED
    assert first_booking(session).customer_id == entry.customer_id
    assert list(verify.problems()) == []
