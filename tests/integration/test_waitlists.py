"""Waitlists: join a full session, leave, and promotion when a place frees up."""

from datetime import timedelta

import pytest

from passbook import clock, reports
from passbook.models import Booking, Notification, WaitlistEntry
from passbook.services import bookings, passes, schedule, verify, waitlists
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
    with clock.at(full.starts_at - timedelta(hours=2)):
        bookings.cancel(first_booking(full).id)
    assert fresh_entry(cautious).status == Status.WAITING
    assert fresh_entry(cautious).skip_reason == ""
    assert fresh_entry(keen).status == Status.PROMOTED


def test_inside_the_window_a_place_stays_free_for_staff_to_fill(full, ten_pack):
    cautious = waiter(full, ten_pack)
    with clock.at(full.starts_at - timedelta(hours=2)):
        bookings.cancel(first_booking(full).id)
        assert live(full) == 1
        booking = waitlists.promote(cautious.id)
    assert fresh_entry(cautious).booking == booking and live(full) == 2


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
