"""Sessions: one-off, weekly recurring, double-booking refused, cancelling releases holds."""

from datetime import date, datetime, timedelta

from passbook.models import Booking, Business, Session
from passbook.services import bookings, schedule
from passbook.services.schedule import SessionInput
from tests.factories import CustomerFactory, ResourceFactory, SessionFactory, StaffFactory
from tests.integration.helpers import D, check_in, counters, refused, sell


def test_a_one_off_session_takes_its_class_types_defaults(business, yoga):
    start = datetime(2027, 3, 1, 9, tzinfo=business.tz)
    s = schedule.create_session(SessionInput(yoga, start))
    assert (s.capacity, s.credit_cost, s.ends_at - s.starts_at) == (
        10,
        D("1.00"),
        timedelta(minutes=60),
    )


def test_weekly_sessions_keep_their_wall_clock_time_across_daylight_saving(business, yoga):
    Business.objects.filter(pk=1).update(time_zone="Europe/London")
    tz = Business.current().tz
    start = datetime(2027, 3, 22, 7, 0, tzinfo=tz)  # clocks go forward on 28 March 2027
    sessions = schedule.create_weekly(
        SessionInput(yoga, start), weekdays=[0, 2], until=date(2027, 4, 7)
    )
    local = [s.starts_at.astimezone(tz) for s in sessions]
    assert [d.date().isoformat() for d in local] == [
        "2027-03-22",
        "2027-03-24",
        "2027-03-29",
        "2027-03-31",
        "2027-04-05",
        "2027-04-07",
    ]
    assert {(d.hour, d.minute) for d in local} == {(7, 0)}
    assert len({s.series_id for s in sessions}) == 1
    assert "FREQ=WEEKLY" in sessions[0].series.rule


def test_weekly_input_is_checked(business, yoga):
    start = datetime(2027, 3, 1, 9, tzinfo=business.tz)
    with refused("invalid_input"):
        schedule.create_weekly(SessionInput(yoga, start), weekdays=[], until=date(2027, 4, 1))
    with refused("invalid_input"):
        schedule.create_weekly(SessionInput(yoga, start), weekdays=[7], until=date(2027, 4, 1))
    with refused("invalid_input"):
        schedule.create_weekly(SessionInput(yoga, start), weekdays=[1], until=date(2029, 1, 1))


def test_a_recurring_series_is_all_or_nothing(business, yoga):
    teacher = StaffFactory()
    clash = datetime(2027, 3, 8, 9, 30, tzinfo=business.tz)
    schedule.create_session(SessionInput(yoga, clash, staff_id=teacher.id))
    with refused("staff_busy"):
        schedule.create_weekly(
            SessionInput(yoga, datetime(2027, 3, 1, 9, tzinfo=business.tz), staff_id=teacher.id),
            weekdays=[0],
            until=date(2027, 3, 31),
        )


def test_staff_and_rooms_are_never_in_two_sessions_at_once(business, yoga):
    teacher, room = StaffFactory(), ResourceFactory()
    start = datetime(2027, 3, 1, 9, tzinfo=business.tz)
    schedule.create_session(SessionInput(yoga, start, staff_id=teacher.id, resource_id=room.id))
    with refused("staff_busy"):
        schedule.create_session(
            SessionInput(yoga, start + timedelta(minutes=59), staff_id=teacher.id)
        )
    with refused("resource_busy"):
        schedule.create_session(
            SessionInput(yoga, start - timedelta(minutes=30), resource_id=room.id)
        )
    back_to_back = schedule.create_session(
        SessionInput(yoga, start + timedelta(hours=1), staff_id=teacher.id, resource_id=room.id)
    )
    assert back_to_back.pk


def test_session_times_and_capacity_are_checked(business, yoga):
    start = datetime(2027, 3, 1, 9, tzinfo=business.tz)
    with refused("invalid_input"):
        schedule.create_session(SessionInput(yoga, start, ends_at=start))
    with refused("invalid_input"):
        schedule.create_session(SessionInput(yoga, start, capacity=0))


def test_cancelling_a_session_releases_every_hold(business, yoga, ten_pack):
    session = SessionFactory(class_type=yoga)
    people = CustomerFactory.create_batch(3)
    held = [sell(c, ten_pack) for c in people]
    for c in people:
        bookings.book(c.id, session.id)
    cancelled = schedule.cancel_session(session.id, reason="teacher ill")
    assert {b.customer for b in cancelled} == set(people)
    assert all(counters(p)[3] == D("10") for p in held)
    assert Session.objects.get(pk=session.pk).is_cancelled
    assert not Booking.objects.filter(session=session, status__in=Booking.LIVE).exists()
    with refused("session_cancelled"):
        schedule.cancel_session(session.id)


def test_a_session_with_check_ins_is_not_cancelled(business, customer, yoga, ten_pack):
    session = SessionFactory(class_type=yoga)
    sell(customer, ten_pack)
    check_in(bookings.book(customer.id, session.id))
    with refused("session_has_attendance"):
        schedule.cancel_session(session.id)
