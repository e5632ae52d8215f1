"""Changing a session's places: its capacity and its waitlist capacity. New places go to
the waitlist in the same transaction; a capacity below the live bookings is refused."""

from datetime import timedelta

import pytest

from passbook import clock
from passbook.models import Session, User, WaitlistEntry
from passbook.services import bookings, schedule, verify, waitlists
from tests.factories import CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import D, counters, refused, sell
from tests.integration.test_waitlists import fresh_entry, live, waiter

Status = WaitlistEntry.Status


@pytest.fixture
def booked_out(business, yoga, ten_pack):
    """Two places, both booked, and three customers waiting (each with a 10-class pass)."""
    session = SessionFactory(class_type=yoga, capacity=2)
    for _ in range(2):
        c = CustomerFactory()
        sell(c, ten_pack)
        bookings.book(c.id, session.id)
    return session, [waiter(session, ten_pack) for _ in range(3)]


@pytest.fixture
def manager(business) -> User:
    return User.objects.create_user("mia@example.com", role=User.Role.MANAGER)


def fresh(session: Session) -> Session:
    return Session.objects.get(pk=session.pk)


# Capacity


def test_more_places_go_to_the_first_in_line_at_once(booked_out, manager):
    session, (first, second, third) = booked_out
    promoted = schedule.change_places(session.id, capacity=4, actor=manager)
    assert [b.customer_id for b in promoted] == [first.customer_id, second.customer_id]
    assert fresh(session).capacity == 4 and live(session) == 4
    assert [fresh_entry(e).status for e in (first, second, third)] == [
        Status.PROMOTED,
        Status.PROMOTED,
        Status.WAITING,
    ]
    assert waitlists.position(third) == 1
    assert list(verify.problems()) == []


def test_a_promotion_spends_the_pass_the_spend_rule_picks(booked_out, customer, ten_pack):
    session, _waiting = booked_out
    waitlists.leave(_waiting[0].id)
    with clock.at(clock.now() - timedelta(days=3)):
        older = sell(customer, ten_pack)
    newer = sell(customer, ten_pack)
    entry = waitlists.join(customer.id, session.id)
    schedule.change_places(session.id, capacity=5)
    assert fresh_entry(entry).booking.customer_pass == older
    assert counters(older) == (D("10"), D("1"), D("0"), D("9"))
    assert counters(newer) == (D("10"), D("0"), D("0"), D("10"))


def test_someone_who_cannot_pay_is_skipped_and_the_next_is_booked(booked_out, customer):
    session, waiting = booked_out
    for entry in waiting:
        waitlists.leave(entry.id)
    sell(customer, ProductFactory(name="Single class", credits=1))
    skipped = waitlists.join(customer.id, session.id)
    bookings.book(customer.id, SessionFactory(class_type=session.class_type).id)  # spends it
    after = waiter(session, ProductFactory(credits=5))
    schedule.change_places(session.id, capacity=3)
    skipped, after = fresh_entry(skipped), fresh_entry(after)
    assert skipped.status == Status.WAITING and "Single class" in skipped.skip_reason
    assert after.status == Status.PROMOTED


def test_inside_the_late_cancel_window_nobody_is_booked_without_opting_in(booked_out, ten_pack):
    session, (first, second, third) = booked_out
    late_ok = waiter(session, ten_pack, late_ok=True)
    with clock.at(session.starts_at - timedelta(hours=1)):
        promoted = schedule.change_places(session.id, capacity=6)
    assert [b.customer_id for b in promoted] == [late_ok.customer_id]
    assert not any(fresh_entry(e).booking_id for e in (first, second, third))


def test_the_capacity_may_come_down_to_the_live_bookings(booked_out):
    session, _waiting = booked_out
    schedule.change_places(session.id, capacity=4)
    assert schedule.change_places(session.id, capacity=4) == []
    assert fresh(session).capacity == 4 and live(session) == 4


def test_a_capacity_below_the_live_bookings_is_refused(booked_out):
    session, _waiting = booked_out
    with refused("capacity_below_booked") as info:
        schedule.change_places(session.id, capacity=1)
    assert info.value.details == {"field": "capacity", "booked": 2}
    assert "2 customers are booked" in info.value.message


def test_fewer_places_when_some_are_free(business, session):
    bookings.book(CustomerFactory().id, session.id, paid_by="complimentary")
    assert schedule.change_places(session.id, capacity=1) == []
    assert fresh(session).capacity == 1


@pytest.mark.parametrize("capacity", [0, -1, 10_001])
def test_a_capacity_out_of_range_is_refused(session, capacity):
    with refused("invalid_input") as info:
        schedule.change_places(session.id, capacity=capacity)
    assert info.value.details == {"field": "capacity"}


def test_a_cancelled_or_ended_session_keeps_its_places(booked_out):
    session, _waiting = booked_out
    with clock.at(session.ends_at), refused("session_over"):
        schedule.change_places(session.id, capacity=5)
    schedule.cancel_session(session.id)
    with refused("session_cancelled"):
        schedule.change_places(session.id, capacity=5)


def test_an_unknown_session(business):
    with refused("not_found"):
        schedule.change_places(999_999, capacity=5)


# Waitlist capacity


def test_the_waitlist_capacity_is_set_and_given_back_to_the_studio(booked_out, business):
    session, _waiting = booked_out
    schedule.change_places(session.id, waitlist_capacity=7)
    assert fresh(session).waitlist_capacity == 7 and fresh(session).capacity == 2
    schedule.change_places(session.id, capacity=2)  # not given: left as it is
    assert fresh(session).waitlist_capacity == 7
    schedule.change_places(session.id, waitlist_capacity=None)
    assert fresh(session).waitlist_capacity is None
    assert waitlists.capacity(fresh(session), business) == business.waitlist_capacity


def test_a_shorter_waitlist_takes_nobody_off_but_refuses_new_joins(booked_out, ten_pack):
    session, waiting = booked_out
    schedule.change_places(session.id, waitlist_capacity=1)
    assert waitlists.waiting(session).count() == 3
    latecomer = CustomerFactory()
    sell(latecomer, ten_pack)
    with refused("waitlist_full"):
        waitlists.join(latecomer.id, session.id)


@pytest.mark.parametrize("waitlist_capacity", [-1, 1001])
def test_a_waitlist_capacity_out_of_range_is_refused(session, waitlist_capacity):
    with refused("invalid_input") as info:
        schedule.change_places(session.id, waitlist_capacity=waitlist_capacity)
    assert info.value.details == {"field": "waitlist_capacity"}


def test_the_change_is_logged_with_who_made_it(booked_out, manager, caplog):
    session, _waiting = booked_out
    schedule.change_places(session.id, capacity=3, waitlist_capacity=4, actor=manager)
    assert (
        f"session {session.id} places: capacity 3, waitlist_capacity 4 "
        f"(1 booked from the waitlist), by {manager.get_username()}"
    ) in caplog.text
