"""Cancel, check in, undo check-in and no-show: where the held credit goes."""

from datetime import timedelta

import pytest

from passbook import clock
from passbook.models import Booking
from passbook.services import bookings, passes
from tests.factories import SessionFactory
from tests.integration.helpers import D, counters, fresh, refused, sell

S = Booking.Status


@pytest.fixture
def booked(business, customer, ten_pack, session):
    p = sell(customer, ten_pack)
    return p, bookings.book(customer.id, session.id)


def _at_hours_before_start(booking, hours):
    return clock.at(booking.session.starts_at - timedelta(hours=hours))


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
    with refused("invalid_booking_state"):
        bookings.undo_check_in(b.id)
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
