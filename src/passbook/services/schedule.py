"""Creating and cancelling sessions, and changing how many places they have."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Literal

from dateutil.rrule import WEEKLY, rrule
from django.db import IntegrityError, transaction

from passbook import clock
from passbook.models import Booking, Business, ClassType, Session, SessionSeries, User
from passbook.services import errors, locks, waitlists
from passbook.services.bookings import cancel_and_release

log = logging.getLogger("passbook.schedule")

MAX_CAPACITY = 10_000
MAX_WAITLIST = 1000


@dataclass(frozen=True)
class SessionInput:
    class_type: ClassType
    starts_at: datetime
    ends_at: datetime | None = None  # default: the class type's duration
    staff_id: int | None = None
    resource_id: int | None = None
    capacity: int | None = None  # default: the class type's capacity
    credit_cost: object | None = None  # default: the class type's credit cost
    private: bool = False  # an appointment made for one customer (Add Session)
    waitlist_capacity: int | None = None  # default: the studio's waitlist capacity


def _busy(model_field: str, value: int | None, starts_at: datetime, ends_at: datetime) -> bool:
    if value is None:
        return False
    return Session.objects.filter(
        status=Session.Status.SCHEDULED,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
        **{model_field: value},
    ).exists()


def create_session_locked(inp: SessionInput, series: SessionSeries | None = None) -> Session:
    """Create one session inside the caller's transaction, refusing double-booked staff
    and rooms (on PostgreSQL an exclusion constraint backs this check up)."""
    ct = inp.class_type
    errors.check_days(starts_at=inp.starts_at.date())
    ends_at = inp.ends_at or inp.starts_at + timedelta(minutes=ct.duration_minutes)
    if ends_at <= inp.starts_at:
        raise errors.InvalidInput("A session must end after it starts.", field="ends_at")
    capacity = inp.capacity if inp.capacity is not None else ct.capacity
    if capacity < 1:
        raise errors.InvalidInput("Capacity must be at least 1.", field="capacity")
    if _busy("staff_id", inp.staff_id, inp.starts_at, ends_at):
        raise errors.StaffBusy()
    if _busy("resource_id", inp.resource_id, inp.starts_at, ends_at):
        raise errors.ResourceBusy()
    try:
        with transaction.atomic():
            return Session.objects.create(
                class_type=ct,
                starts_at=inp.starts_at,
                ends_at=ends_at,
                staff_id=inp.staff_id,
                resource_id=inp.resource_id,
                capacity=capacity,
                credit_cost=inp.credit_cost if inp.credit_cost is not None else ct.credit_cost,
                series=series,
                private=inp.private,
                waitlist_capacity=inp.waitlist_capacity,
            )
    except IntegrityError as exc:
        if "staff_no_overlap" in str(exc):
            raise errors.StaffBusy() from None
        if "resource_no_overlap" in str(exc):
            raise errors.ResourceBusy() from None
        raise errors.InvalidInput("Unknown staff member or resource.") from None


@transaction.atomic
def create_session(inp: SessionInput) -> Session:
    return create_session_locked(inp)


@transaction.atomic
def create_weekly(inp: SessionInput, *, weekdays: list[int], until: date) -> list[Session]:
    """Sessions on the given weekdays (0 = Monday) at inp.starts_at's local time, from its
    date up to and including `until`. All or nothing."""
    if not weekdays or any(d not in range(7) for d in weekdays):
        raise errors.InvalidInput(
            "Pick weekdays between Monday (0) and Sunday (6).", field="weekdays"
        )
    errors.check_days(starts_at=inp.starts_at.date(), until=until)
    tz = Business.current().tz
    local_start = inp.starts_at.astimezone(tz)
    if until < local_start.date() or until > local_start.date() + timedelta(days=366):
        raise errors.InvalidInput("The series must end within a year of its start.", field="until")
    duration = (
        inp.ends_at or local_start + timedelta(minutes=inp.class_type.duration_minutes)
    ) - inp.starts_at
    rule = rrule(
        WEEKLY,
        byweekday=sorted(set(weekdays)),
        dtstart=local_start.replace(tzinfo=None),
        until=datetime.combine(until, time.max),
    )
    series = SessionSeries.objects.create(class_type=inp.class_type, rule=str(rule).split("\n")[-1])
    sessions = []
    for naive in rule:
        starts_at = naive.replace(tzinfo=tz)  # wall-clock time survives DST changes
        sessions.append(
            create_session_locked(
                SessionInput(
                    inp.class_type,
                    starts_at,
                    starts_at + duration,
                    inp.staff_id,
                    inp.resource_id,
                    inp.capacity,
                    inp.credit_cost,
                    waitlist_capacity=inp.waitlist_capacity,
                ),
                series,
            )
        )
    return sessions


@transaction.atomic
def cancel_session(
    session_id: int, *, actor: User | None = None, reason: str = ""
) -> list[Booking]:
    """Cancel a session: every booking is cancelled and its credit released.
    Returns the cancelled bookings (so staff can tell those customers)."""
    session = locks.session(session_id)
    if session.is_cancelled:
        raise errors.SessionCancelled()
    live = session.bookings.filter(status__in=Booking.LIVE)
    if live.filter(status=Booking.Status.ATTENDED).exists():
        raise errors.SessionHasAttendance()
    # Those booked and those waiting (a credit held for the wait is given back), in id order.
    locks.waiting_customers([session.id], also=live.values_list("customer_id", flat=True))
    cancelled = list(live.select_related("customer_pass", "customer"))
    for booking in cancelled:
        cancel_and_release(booking, actor, reason or "session cancelled")
    session.status = Session.Status.CANCELLED
    session.save(update_fields=["status"])
    waitlists.close_for_cancelled_session(session)
    return cancelled


class Keep(Enum):
    """A value not given: left as it is (None already means "the studio's default")."""

    KEEP = "keep"


@transaction.atomic
@Business.kept()
def change_places(
    session_id: int,
    *,
    capacity: int | None = None,
    waitlist_capacity: int | None | Literal[Keep.KEEP] = Keep.KEEP,
    actor: User | None = None,
) -> list[Booking]:
    """Change how many may book the session (`capacity`, None: unchanged) and how many may
    wait (`waitlist_capacity`, None: the studio's default). A capacity below the live
    bookings is refused; places a larger one frees go to the waitlist at once. Returns
    the bookings made from the waitlist."""
    session = locks.session(session_id)
    _check_changeable(session)
    grows = capacity is not None and capacity > session.capacity
    if grows:  # a freed place may go to anyone waiting (lock order: session, customers)
        locks.waiting_customers([session.id])
    changed: dict[str, int | None] = {}
    if capacity is not None:
        changed["capacity"] = _checked_capacity(session, capacity)
    if waitlist_capacity is not Keep.KEEP:
        changed["waitlist_capacity"] = _checked_waitlist_capacity(waitlist_capacity)
    for field, value in changed.items():
        setattr(session, field, value)
    session.save(update_fields=list(changed))
    promoted = waitlists.promote_next(session, actor=actor) if grows else []
    _log_places(session, actor, changed, promoted)
    return promoted


def _check_changeable(session: Session) -> None:
    if session.is_cancelled:
        raise errors.SessionCancelled(session_id=session.id)
    if session.ends_at <= clock.now():  # a past class's places are history
        raise errors.SessionOver(session_id=session.id)


def _checked_capacity(session: Session, capacity: int) -> int:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise errors.InvalidInput(
            f"Capacity must be between 1 and {MAX_CAPACITY}.", field="capacity"
        )
    # Counted under the session's lock: no booking or offer can be added meanwhile. A place
    # offered to someone on the waitlist is theirs until the offer's cut-off.
    booked = session.bookings.filter(status__in=Booking.LIVE).order_by().count()
    offered = waitlists.held_offers(session).order_by().count()
    if capacity < booked + offered:
        held = f" and {offered} offered to the waitlist" if offered else ""
        raise errors.CapacityBelowBooked(
            f"{booked} customers are booked{held}: the capacity cannot be less. "
            "Cancel bookings first.",
            field="capacity",
            booked=booked,
        )
    return capacity


def _checked_waitlist_capacity(waitlist_capacity: int | None) -> int | None:
    # Lowering it below the number already waiting takes no one off the list: only new
    # joins are refused until it is shorter.
    if waitlist_capacity is not None and not 0 <= waitlist_capacity <= MAX_WAITLIST:
        raise errors.InvalidInput(
            f"The waitlist capacity must be between 0 and {MAX_WAITLIST}.",
            field="waitlist_capacity",
        )
    return waitlist_capacity


def _log_places(
    session: Session, actor: User | None, changed: dict[str, int | None], promoted: list[Booking]
) -> None:
    by = actor.get_username() if actor else "a command"
    what = ", ".join(f"{field} {value}" for field, value in changed.items()) or "nothing"
    log.info(
        "session %s places: %s (%s booked from the waitlist), by %s",
        session.id,
        what,
        len(promoted),
        by,
    )
