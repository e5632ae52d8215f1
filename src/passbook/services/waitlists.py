"""Waitlists: joining a full session, leaving, and promotion when a place frees up.

A freed place is filled in the transaction that freed it, under the session's lock: the
caller has locked the session, then (locks.waiting_customers) everyone waiting for it,
and calls promote_next(). The first waiting customer who can pay at that moment is booked
(the spend rule picks the pass); one who cannot is skipped, told why, and stays waiting.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from passbook import clock
from passbook.models import Booking, Business, Session, User, WaitlistEntry
from passbook.services import bookings, errors, locks, notifications

Status = WaitlistEntry.Status


def capacity(session: Session, business: Business) -> int:
    """How many may wait: the session's own number, or the studio's default."""
    if session.waitlist_capacity is not None:
        return session.waitlist_capacity
    return business.waitlist_capacity


def waiting(session: Session) -> QuerySet[WaitlistEntry]:
    """The session's list, first in line first."""
    return session.waitlist.filter(status=Status.WAITING).order_by("joined_at", "id")


def with_position(qs: QuerySet[WaitlistEntry]) -> QuerySet[WaitlistEntry]:
    """Entries annotated with `position` (1 = first in line), in one query however many
    sessions they wait for (meaningful only for waiting entries)."""
    ahead = (
        WaitlistEntry.objects.filter(session_id=OuterRef("session_id"), status=Status.WAITING)
        .filter(
            Q(joined_at__lt=OuterRef("joined_at"))
            | Q(joined_at=OuterRef("joined_at"), id__lte=OuterRef("id"))
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(position=Subquery(ahead))


def position(entry: WaitlistEntry) -> int:
    """1 for the first in line (only meaningful while the entry is waiting)."""
    found = with_position(WaitlistEntry.objects.filter(pk=entry.pk)).get()
    return found.position  # type: ignore[attr-defined]  # annotated by with_position


def waiting_for(customer_id: int, sessions: list[Session]) -> dict[int, WaitlistEntry]:
    """The customer's waiting entries for these sessions, by session id, with positions."""
    mine = WaitlistEntry.objects.filter(
        customer_id=customer_id, status=Status.WAITING, session__in=sessions
    )
    return {e.session_id: e for e in with_position(mine)}


def is_late(session: Session, business: Business) -> bool:
    """Inside the late-cancel window, nobody is booked automatically unless they opted in
    (a place they could not cancel without losing the credit)."""
    return clock.now() > session.starts_at - timedelta(hours=business.late_cancel_hours)


@transaction.atomic
@Business.kept()
def join(
    customer_id: int,
    session_id: int,
    *,
    late_ok: bool = False,
    drop_in: bool = False,
    actor: User | None = None,
) -> WaitlistEntry:
    """Join a full session's waitlist. The customer must be able to pay today: a usable
    pass (else the spend rule's reasons), or, with `drop_in`, the drop-in price.
    `late_ok`: book me automatically even inside the late-cancel window."""
    session = locks.session(session_id)
    customer = locks.customer(customer_id)
    try:
        bookings.check_bookable(customer, session)
    except errors.SessionFull:
        pass
    else:
        raise errors.SessionNotFull(session_id=session.id)
    entries = waiting(session)
    if entries.filter(customer_id=customer.id).exists():
        raise errors.AlreadyWaiting(session_id=session.id)
    business = Business.current()
    if entries.count() >= capacity(session, business):
        raise errors.WaitlistFull(session_id=session.id)
    if not drop_in:
        bookings.paying_pass(customer, session, None)  # refuses with the reasons
    return WaitlistEntry.objects.create(
        session=session,
        customer=customer,
        joined_at=clock.now(),
        auto_promote_late=late_ok,
        drop_in=drop_in,
    )


def _entry_for_update(entry_id: int) -> WaitlistEntry:
    """The entry, read again once its session and then its customer are locked."""
    found = locks.get(WaitlistEntry, entry_id, "No such waitlist entry.")
    locks.session(found.session_id)
    locks.customer(found.customer_id)
    entry = WaitlistEntry.objects.select_related("session__class_type", "customer").get(pk=entry_id)
    if entry.status != Status.WAITING:
        raise errors.NotWaiting(entry_status=entry.status)
    return entry


@transaction.atomic
def leave(entry_id: int, *, actor: User | None = None, by_staff: bool = False) -> WaitlistEntry:
    """Leave the waitlist (or, `by_staff`, be removed from it)."""
    entry = _entry_for_update(entry_id)
    entry.status = Status.REMOVED if by_staff else Status.LEFT
    entry.ended_at = clock.now()
    entry.save(update_fields=["status", "ended_at"])
    return entry


@transaction.atomic
@Business.kept()
def promote(entry_id: int, *, actor: User | None = None) -> Booking:
    """Staff book this waiting customer now (in or out of turn, also inside the late-cancel
    window); refused like any booking (`session_full`, `no_usable_pass` …)."""
    entry = _entry_for_update(entry_id)
    return _book(entry, entry.session, actor)


def promote_next(session: Session, *, actor: User | None = None) -> list[Booking]:
    """Fill the session's free places from its waitlist, first come first served among
    those who can pay now. The caller holds the session's lock and the waiting customers'
    (locks.waiting_customers), in this transaction."""
    if session.is_cancelled or session.ends_at <= clock.now():
        return []
    business = Business.current()
    late = is_late(session, business)
    live = session.bookings.filter(status__in=Booking.LIVE).order_by().count()
    free = session.capacity - live
    promoted: list[Booking] = []
    if free <= 0:
        return promoted
    for entry in waiting(session).select_related("customer"):
        if free <= 0:
            break
        if late and not entry.auto_promote_late:
            continue  # offered nothing automatically; staff may still promote them
        booking = _try(entry, session, actor)
        if booking is not None:
            promoted.append(booking)
            free -= 1
    return promoted


def _try(entry: WaitlistEntry, session: Session, actor: User | None) -> Booking | None:
    """Book one waiting customer, or record why not. book_locked() refuses before it
    writes anything, so a refusal needs no undoing."""
    entry.session = session
    if _overlapping_booking(entry, session):
        _end(entry, Status.BOOKED_ELSEWHERE)
        return None
    try:
        return _book(entry, session, actor)
    except errors.NoUsablePass as exc:
        _skip(entry, _reason(exc))
        return None


def _book(entry: WaitlistEntry, session: Session, actor: User | None) -> Booking:
    """Book the entry's customer: by the pass the spend rule picks now, else (if they
    agreed when joining) as a drop-in."""
    try:
        booking = bookings.book_locked(entry.customer, session, actor=actor)
    except errors.NoUsablePass:
        if not entry.drop_in:
            raise
        booking = bookings.book_locked(
            entry.customer, session, paid_by=Booking.PaidBy.DROP_IN, actor=actor
        )
    _promoted(entry, booking)
    return booking


def _overlapping_booking(entry: WaitlistEntry, session: Session) -> bool:
    """Booked meanwhile (directly) into this session or one at the same time."""
    return Booking.objects.filter(
        customer_id=entry.customer_id,
        status__in=Booking.LIVE,
        session__starts_at__lt=session.ends_at,
        session__ends_at__gt=session.starts_at,
    ).exists()


def _reason(exc: errors.NoUsablePass) -> str:
    reasons = exc.details.get("reasons") or []
    if not reasons:
        return "You have no pass that can pay for this class."
    text = "; ".join(f"{r['pass_name']}: {r['message']}" for r in reasons)
    return f"None of your passes can pay for this class ({text})."[:300]


def _end(entry: WaitlistEntry, status: str) -> None:
    entry.status, entry.ended_at = status, clock.now()
    entry.save(update_fields=["status", "ended_at"])


def _promoted(entry: WaitlistEntry, booking: Booking) -> None:
    """Record the promotion, take the customer off the waitlists of sessions at the same
    time (no second booking, no second charge), and tell them."""
    entry.status, entry.booking, entry.ended_at = Status.PROMOTED, booking, clock.now()
    entry.save(update_fields=["status", "booking", "ended_at"])
    leave_overlapping(entry.customer_id, booking.session, but=entry.pk)
    notifications.waitlist_promoted(entry, booking)


def leave_overlapping(customer_id: int, session: Session, *, but: int | None = None) -> None:
    """A customer booked into `session` stops waiting for it and for any session at the
    same time (the caller holds their lock): no second booking, no second charge."""
    waiting = WaitlistEntry.objects.filter(
        customer_id=customer_id,
        status=Status.WAITING,
        session__starts_at__lt=session.ends_at,
        session__ends_at__gt=session.starts_at,
    )
    if but is not None:
        waiting = waiting.exclude(pk=but)
    waiting.update(status=Status.BOOKED_ELSEWHERE, ended_at=clock.now())


def _skip(entry: WaitlistEntry, reason: str) -> None:
    """Passed over: stays waiting, with the reason, and is told (once per reason)."""
    entry.skip_reason, entry.skipped_at = reason, clock.now()
    entry.save(update_fields=["skip_reason", "skipped_at"])
    notifications.waitlist_skipped(entry, reason)


def close_for_cancelled_session(session: Session) -> None:
    """A cancelled session's waitlist ends (the caller holds the session's lock)."""
    waiting(session).update(status=Status.REMOVED, ended_at=clock.now())
