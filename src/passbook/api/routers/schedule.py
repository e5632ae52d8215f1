"""Sessions: the timetable, creating one-off or weekly sessions, cancelling."""

from datetime import datetime, time, timedelta

from ninja import Query, Router, Schema, Status

from passbook import clock
from passbook.api.routers.common import caller, one, responds, sent
from passbook.api.schemas import (
    BookingOut,
    CancelIn,
    Day,
    QueryId,
    SessionIn,
    SessionOut,
    SessionPlacesIn,
    partial,
)
from passbook.models import Business, ClassType, Session, User
from passbook.queries import seen_by_customer, sessions_with_places
from passbook.rules.calendar import local_date
from passbook.services import errors, locks, schedule
from passbook.services.schedule import SessionInput

router = Router(tags=["sessions"])
SessionPlacesPatch = partial(SessionPlacesIn)


def sessions():
    return sessions_with_places()


def seen_by(request):
    """Staff see every session; a customer sees the public ones and their own private
    appointments (Add Session), never someone else's."""
    who = caller(request)
    if who.is_staff:
        return sessions()
    assert who.customer_id is not None, "a caller who is not staff is a customer"
    return seen_by_customer(sessions(), who.customer_id)


class SessionFilter(Schema):
    start: Day | None = None
    end: Day | None = None
    category: QueryId | None = None
    class_type: QueryId | None = None
    include_cancelled: bool = False


@router.get("/sessions", response=responds(200, list[SessionOut]))
def list_sessions(request, filters: Query[SessionFilter]):
    """Sessions from `start` to `end` (local dates, default: the next 7 days)."""
    tz = Business.current().tz
    errors.check_days(start=filters.start, end=filters.end)
    start = filters.start or local_date(clock.now(), tz)
    end = filters.end or start + timedelta(days=6)
    qs = seen_by(request).filter(
        starts_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        starts_at__lte=datetime.combine(end, time.max, tzinfo=tz),
    )
    if filters.category:
        qs = qs.filter(class_type__category_id=filters.category)
    if filters.class_type:
        qs = qs.filter(class_type_id=filters.class_type)
    if not filters.include_cancelled:
        qs = qs.filter(status=Session.Status.SCHEDULED)
    return qs[:1000]


@router.get("/sessions/{pk}", response=responds(200, SessionOut))
def get_session(request, pk: QueryId):
    return one(seen_by(request), pk, "session")


@router.post("/sessions", response=responds(201, list[SessionOut]))
def create_sessions(request, body: SessionIn):
    """One session, or a weekly series when `repeat` is given. All or nothing."""
    caller(request).require(User.Role.MANAGER)
    inp = SessionInput(
        locks.get(ClassType, body.class_type_id, "No such class type."),
        body.starts_at,
        body.ends_at,
        body.staff_id,
        body.resource_id,
        body.capacity,
        body.credit_cost,
        waitlist_capacity=body.waitlist_capacity,
    )
    if body.repeat:
        made = schedule.create_weekly(inp, weekdays=body.repeat.weekdays, until=body.repeat.until)
    else:
        made = [schedule.create_session(inp)]
    return Status(201, list(sessions().filter(id__in=[s.id for s in made])))


@router.patch("/sessions/{pk}", response=responds(200, SessionOut))
def change_places(
    request,
    pk: QueryId,
    body: SessionPlacesPatch,  # type: ignore[valid-type]  # a class made at run time by partial()
):
    """Change a session's `capacity` (not below its live bookings: `capacity_below_booked`)
    or `waitlist_capacity` (null: the studio's setting). New places go to the waitlist at
    once; the answer is the session after that."""
    caller(request).require(User.Role.MANAGER)
    schedule.change_places(pk, actor=caller(request).user, **sent(body))
    return one(sessions(), pk, "session")


@router.post("/sessions/{pk}/cancel", response=responds(200, list[BookingOut]))
def cancel_session(request, pk: QueryId, body: CancelIn):
    """Cancel a session; every booking is cancelled and its credit released."""
    caller(request).require(User.Role.MANAGER)
    return schedule.cancel_session(pk, actor=caller(request).user, reason=body.reason)
