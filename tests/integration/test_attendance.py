"""Cancel, check in, undo check-in and no-show: where the held credit goes."""

from datetime import timedelta

import pytest

from passbook import clock
from passbook.models import Booking, Session
from passbook.services import bookings, passes
from tests.factories import CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import D, counters, fresh, refused, sell

S = Booking.Status


@pytest.fixture
def booked(business, customer, ten_pack, session):
    p = sell(customer, ten_pack)
    return p, bookings.book(customer.id, session.id)


def _at_hours_before_start(booking, hours):
    return clock.at(booking.session.starts_at - timedelta(hours=hours))


def _in_class(booking):
    """A moment when attendance is open: the class has started."""
    return clock.at(booking.session.starts_at + timedelta(minutes=5))


def test_cancelling_in_time_gives_the_credit_back(booked):
    p, b = booked
    assert bookings.cancel(b.id).status == S.CANCELLED
    assert counters(p) == (D("10"), D("0"), D("0"), D("10"))
    assert p.entries.last().kind == "release"


@pytest.mark.parametrize(
    ("policy", "used", "remaining"), [("consume", "1", "9"), ("release", "0", "10")]
)
def test_a_late_cancel_follows_the_policy(booked, business, policy, used, remaining):
    business.late_cancel_policy = policy
    business.save()
    p, b = booked
    with _at_hours_before_start(b, 2):
        assert bookings.is_late_cancel(b, business)
        assert bookings.cancel(b.id).status == S.LATE_CANCELLED
    assert counters(p) == (D("10"), D("0"), D(used), D(remaining))


def test_staff_may_waive_the_late_cancel_policy(booked):
    p, b = booked
    with _at_hours_before_start(b, 1):
        assert bookings.cancel(b.id, waive_late_policy=True).status == S.CANCELLED
    assert counters(p)[3] == D("10")


def test_the_window_edge(booked, business):
    _p, b = booked
    with _at_hours_before_start(b, business.late_cancel_hours + 0.01):
        assert not bookings.is_late_cancel(b, business)
    with _at_hours_before_start(b, business.late_cancel_hours - 0.01):
        assert bookings.is_late_cancel(b, business)


def test_check_in_turns_held_into_used_and_undo_turns_it_back(booked):
    p, b = booked
    with _in_class(b):
        assert bookings.check_in(b.id).status == S.ATTENDED
    assert counters(p) == (D("10"), D("0"), D("1"), D("9"))
    assert bookings.undo_check_in(b.id).status == S.BOOKED
    assert counters(p) == (D("10"), D("1"), D("0"), D("9"))


@pytest.mark.parametrize(("policy", "held", "used"), [("consume", "0", "1"), ("release", "0", "0")])
def test_a_no_show_follows_the_policy(booked, business, policy, held, used):
    business.no_show_policy = policy
    business.save()
    p, b = booked
    with clock.at(b.session.ends_at + timedelta(minutes=1)):
        assert bookings.mark_no_show(b.id).status == S.NO_SHOW
    assert counters(p)[1:3] == (D(held), D(used))


def test_no_show_only_once_the_session_has_started(booked):
    _p, b = booked
    with refused("session_not_started"):
        bookings.mark_no_show(b.id)


def test_state_machine_refuses_the_impossible(booked):
    _p, b = booked
    with _in_class(b):
        for action in (bookings.undo_check_in, bookings.undo_no_show):
            with refused("invalid_booking_state"):
                action(b.id)
        bookings.check_in(b.id)
        for action in (bookings.check_in, bookings.cancel, bookings.mark_no_show):
            with refused("invalid_booking_state"):
                action(b.id)
        bookings.undo_check_in(b.id)
        bookings.cancel(b.id)
        with refused("invalid_booking_state"):
            bookings.check_in(b.id)


def test_unknown_bookings_are_not_found(business):
    with refused("not_found"):
        bookings.cancel(424242)


def test_drop_in_bookings_have_no_credits_to_move(business, customer, session):
    b = bookings.book(customer.id, session.id, paid_by="drop_in")
    with _in_class(b):
        assert bookings.check_in(b.id).status == S.ATTENDED
    other = bookings.book(
        customer.id, SessionFactory(class_type=session.class_type).id, paid_by="drop_in"
    )
    assert bookings.cancel(other.id).status == S.CANCELLED


def test_a_check_in_on_a_voided_pass_cannot_be_undone(booked):
    p, b = booked
    with clock.at(b.session.starts_at - timedelta(minutes=5)):
        bookings.check_in(b.id)
    passes.void(p.id, reason="refunded")
    with refused("pass_voided"):
        bookings.undo_check_in(b.id)
    assert Booking.objects.get(pk=b.pk).status == S.ATTENDED and fresh(p).held == 0


def test_check_in_opens_an_hour_before_the_start_not_days_early(booked, business):
    _p, b = booked
    start = b.session.starts_at
    with clock.at(start - timedelta(days=6)), refused("check_in_not_open"):
        bookings.check_in(b.id)
    with clock.at(start - timedelta(minutes=61)), refused("check_in_not_open"):
        bookings.check_in(b.id)
    with clock.at(start - timedelta(minutes=60)):
        assert bookings.check_in(b.id).status == S.ATTENDED


def test_staff_may_still_check_in_until_attendance_closes(booked, business):
    business.attendance_closes_hours = 2
    business.save()
    _p, b = booked
    end = b.session.ends_at
    with clock.at(end + timedelta(hours=2, seconds=1)), refused("attendance_closed"):
        bookings.check_in(b.id)
    with clock.at(end + timedelta(hours=2)):
        assert bookings.check_in(b.id).status == S.ATTENDED


def test_the_studio_sets_when_check_in_opens(booked, business):
    business.check_in_opens_minutes = 15
    business.save()
    _p, b = booked
    with clock.at(b.session.starts_at - timedelta(minutes=16)), refused("check_in_not_open"):
        bookings.check_in(b.id)


@pytest.mark.parametrize(("policy", "undo_kind"), [("consume", "unconsume"), ("release", "hold")])
def test_undoing_a_no_show_holds_the_credit_again_whatever_the_policy_did(
    booked, business, policy, undo_kind
):
    business.no_show_policy = policy
    business.save()
    p, b = booked
    with _in_class(b):
        bookings.mark_no_show(b.id)
        assert bookings.undo_no_show(b.id).status == S.BOOKED
        undo = p.entries.last()
        assert (undo.kind, undo.amount, undo.reason) == (undo_kind, D("1"), "no-show undone")
        assert counters(p) == (D("10"), D("1"), D("0"), D("9"))
        assert bookings.check_in(b.id).status == S.ATTENDED  # the customer came after all
    assert counters(p) == (D("10"), D("0"), D("1"), D("9"))


def test_a_given_back_credit_that_was_booked_again_cannot_be_held_twice(
    business, customer, session
):
    business.no_show_policy = "release"
    business.save()
    single = sell(customer, ProductFactory(name="Single class", credits=1, price=20))
    b = bookings.book(customer.id, session.id)
    with _in_class(b):
        bookings.mark_no_show(b.id)
    bookings.book(customer.id, SessionFactory(class_type=session.class_type).id)
    with _in_class(b), refused("pass_not_usable"):
        bookings.undo_no_show(b.id)
    assert Booking.objects.get(pk=b.pk).status == S.NO_SHOW
    assert counters(single) == (D("1"), D("1"), D("0"), D("0"))


def test_a_no_show_cannot_be_undone_once_attendance_has_closed(booked, business):
    _p, b = booked
    with _in_class(b):
        bookings.mark_no_show(b.id)
    closed = b.session.ends_at + timedelta(hours=business.attendance_closes_hours, minutes=1)
    with clock.at(closed), refused("attendance_closed"):
        bookings.undo_no_show(b.id)


def test_a_no_show_on_a_voided_pass_stays_a_no_show(booked):
    p, b = booked
    with _in_class(b):
        bookings.mark_no_show(b.id)
        passes.void(p.id, reason="refunded")
        with refused("pass_voided"):
            bookings.undo_no_show(b.id)


def test_a_drop_in_no_show_is_undone_without_credits(business, customer, session):
    b = bookings.book(customer.id, session.id, paid_by="drop_in")
    with _in_class(b):
        bookings.mark_no_show(b.id)
        assert bookings.undo_no_show(b.id).status == S.BOOKED


def test_a_no_shows_place_taken_since_cannot_be_taken_back(booked, ten_pack):
    """A no-show leaves its place free: once someone else has it, undoing the no-show
    would put two people in one place."""
    p, b = booked
    Session.objects.filter(pk=b.session_id).update(capacity=1)
    other = CustomerFactory()
    sell(other, ten_pack)
    with _in_class(b):
        bookings.mark_no_show(b.id)
        bookings.book(other.id, b.session_id)
        with refused("session_full"):
            bookings.undo_no_show(b.id)
    assert Booking.objects.get(pk=b.pk).status == S.NO_SHOW
