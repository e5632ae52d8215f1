"""Booking, cancelling, check-in and no-shows (and undoing them)."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet, Value

from passbook import clock
from passbook.models import Booking, Business, Customer, Pass, Session, User, WaitlistEntry
from passbook.models.business import CreditPolicy
from passbook.prepared import Insert, Prepared
from passbook.rules import spend
from passbook.rules.attendance import Phase
from passbook.rules.calendar import local_date, window
from passbook.rules.ledger import EntryKind
from passbook.services import errors, ledger, locks, notifications, waitlists
from passbook.services.facts import live_passes, passes_facts, session_facts

PaidBy = Booking.PaidBy
_BOOKED = "live booking"  # tags the bookings among waitlist statuses in _who_is_in()


@transaction.atomic
@Business.kept()
def book(
    customer_id: int,
    session_id: int,
    *,
    pass_id: int | None = None,
    paid_by: str = PaidBy.PASS,
    actor: User | None = None,
) -> Booking:
    """Book a customer into a session: paid by the pass the spend rule picks, by a pass
    named by staff, as a drop-in, or complimentary."""
    session = locks.session(session_id)
    customer = locks.customer(customer_id)
    return book_locked(customer, session, pass_id=pass_id, paid_by=paid_by, actor=actor)


def book_locked(
    customer: Customer,
    session: Session,
    *,
    pass_id: int | None = None,
    paid_by: str = PaidBy.PASS,
    actor: User | None = None,
    paying_online: bool = False,
) -> Booking:
    """Book with the session and customer rows already locked (shared by purchases); once
    booked, the customer stops waiting for this session and any at the same time.
    `paying_online`: the pass is being paid by card right now (its checkout's hold, not
    the studio's unpaid-pass policy, limits what it books)."""
    if paid_by not in PaidBy.values:
        raise errors.InvalidInput(f"Unknown payment kind {paid_by!r}.", field="paid_by")
    on_waitlists = check_bookable(customer, session)
    booking = _book_locked(customer, session, pass_id, paid_by, actor, paying_online)
    if on_waitlists:  # most customers wait for nothing, and then there is nothing to leave
        waitlists.leave_overlapping(customer.id, session)
    return booking


def _book_locked(
    customer: Customer,
    session: Session,
    pass_id: int | None,
    paid_by: str,
    actor: User | None,
    paying_online: bool = False,
) -> Booking:
    if paid_by != PaidBy.PASS:
        price = session.class_type.drop_in_price if paid_by == PaidBy.DROP_IN else Decimal(0)
        booking = _create(customer, session, paid_by=paid_by, price=price, actor=actor)
        notifications.booking_confirmed(booking)
        return booking
    paying = paying_pass(customer, session, pass_id, paying_online=paying_online)
    if paying.starts_at is None:
        start_on_first_booking(paying, session, actor)
    booking = _create(
        customer,
        session,
        paid_by=paid_by,
        customer_pass=paying,
        credits=session.credit_cost,
        actor=actor,
    )
    ledger.append(paying, EntryKind.HOLD, session.credit_cost, booking=booking, actor=actor)
    notifications.booking_confirmed(booking)
    return booking


def check_bookable(customer: Customer, session: Session) -> bool:
    """Refuse a cancelled, ended or full session, or one the customer is already in.
    Answers whether the customer is on a waitlist (waiting, or offered a place)."""
    # The session is named, so a refusal of one of several (a purchase) can say which.
    if session.is_cancelled:
        raise errors.SessionCancelled(session_id=session.id)
    if session.ends_at <= clock.now():
        raise errors.SessionOver(session_id=session.id)
    # The session row and the customer row are locked, so none of this can change.
    booked, offers, waiting = _who_is_in(customer.id, session)
    if customer.id in booked:
        raise errors.AlreadyBooked(session_id=session.id)
    # A place offered to someone on the waitlist is theirs until the offer's cut-off
    # (counted only when someone else has an offer: most sessions have none).
    held = waitlists.places_held(session, but_customer=customer.id) if offers else 0
    if len(booked) + held >= session.capacity:
        raise errors.SessionFull(session_id=session.id)
    return waiting


def _who_is_in(customer_id: int, session: Session) -> tuple[list[int], bool, bool]:
    """In one round trip: the session's live customers, whether anyone else has been
    offered a place in it, and whether the customer is on any waitlist. Each read is at
    most `capacity` or a few waitlist rows; unordered, as the default orders would join
    other tables for nothing."""
    booked, offers, waiting = [], False, False
    for who, what in _WHO_IS_IN.rows(customer_id, session.id):
        if what == _BOOKED:
            booked.append(who)
        elif who == customer_id:
            waiting = True
        else:  # only an offer of a place in this session is read for someone else
            offers = True
    return booked, offers, waiting


def _who_is_in_query(customer_id: int, session_id: int) -> QuerySet:
    live = Booking.objects.filter(session_id=session_id, status__in=Booking.LIVE).order_by()
    open_waits = WaitlistEntry.objects.filter(
        Q(customer_id=customer_id, status__in=WaitlistEntry.OPEN)
        | Q(session_id=session_id, status=WaitlistEntry.Status.OFFERED)
    ).order_by()
    return live.values_list("customer_id", Value(_BOOKED)).union(
        open_waits.values_list("customer_id", "status"), all=True
    )


_WHO_IS_IN = Prepared(_who_is_in_query)  # on every booking: compiled once


def paying_pass(
    customer: Customer, session: Session, pass_id: int | None, *, paying_online: bool = False
) -> Pass:
    """The pass the spend rule picks (or the one staff named), or the refusal with every
    pass's reason (also asked when joining a waitlist)."""
    business = Business.current()
    passes = live_passes(customer.id)
    if pass_id is not None:
        passes = [p for p in passes if p.id == pass_id]
        if not passes:
            raise errors.NotFound("This customer has no such pass (or it is voided).")
    facts = passes_facts(passes, business.tz, unpaid_policy=not paying_online)
    verdicts = spend.explain(
        facts, session_facts(session), business.tz, spend.SpendOrder(business.spend_order)
    )
    chosen = next((v for v in verdicts if v.chosen), None)
    if chosen is None:
        reasons = [
            {"pass_id": v.pass_id, "pass_name": v.pass_name, "code": v.code, "message": v.message}
            for v in verdicts
        ]
        if pass_id is not None:
            raise errors.PassNotUsable(
                f"This pass cannot pay: {verdicts[0].message}.", reasons=reasons
            )
        raise errors.NoUsablePass(reasons=reasons)
    return next(p for p in passes if p.id == chosen.pass_id)


def start_on_first_booking(
    p: Pass, session: Session, actor: User | None, reason: str = "started on first booking"
) -> None:
    """A pass that starts on first booking starts on this session's day (shared with the
    import of bookings, which names its batch in the reason)."""
    tz = Business.current().tz
    starts_at, expires_at = window(local_date(session.starts_at, tz), p.validity, tz)
    p.starts_at, p.expires_at = starts_at, p.expires_at or expires_at
    ledger.append(p, EntryKind.VALIDITY, actor=actor, reason=reason)


def _create(customer: Customer, session: Session, **fields) -> Booking:
    booking = Booking(
        customer=customer,
        session=session,
        created_at=clock.now(),
        created_by=fields.pop("actor"),
        **fields,
    )
    _NEW_BOOKING.save(booking)
    return booking


_NEW_BOOKING = Insert(Booking)  # on every booking: compiled once


def _require(booking: Booking, *statuses: str) -> None:
    if booking.status not in statuses:
        raise errors.InvalidBookingState(
            f"The booking is {booking.get_status_display().lower()}.",
            booking_status=booking.status,
        )


def _settle(booking: Booking, p: Pass | None, policy: str, actor: User | None, reason: str) -> None:
    """Release or consume a booking's hold, according to `policy`."""
    if p is not None:
        kind = EntryKind.CONSUME if policy == CreditPolicy.CONSUME else EntryKind.RELEASE
        ledger.append(p, kind, booking.credits, booking=booking, actor=actor, reason=reason)


def cancel_and_release(booking: Booking, actor: User | None, reason: str) -> None:
    """Cancel a live booking and give its credit back; the caller holds the locks.

    Used when the studio, not the customer, calls a booking off (void, cancelled class).
    """
    _settle(booking, booking.customer_pass, CreditPolicy.RELEASE, actor, reason)
    booking.status, booking.cancelled_at = Booking.Status.CANCELLED, clock.now()
    booking.save(update_fields=["status", "cancelled_at"])


@transaction.atomic
def cancel(
    booking_id: int, *, actor: User | None = None, waive_late_policy: bool = False
) -> Booking:
    """Cancel a booking. In time, the credit comes back; inside the late-cancel window
    the business's late-cancel policy decides (staff may waive it). The freed place goes
    to the waitlist in the same transaction."""
    booking = locks.booking_for_update(booking_id, waitlist=True)
    p = booking.customer_pass
    _require(booking, Booking.Status.BOOKED)
    business = Business.current()
    late = is_late_cancel(booking, business)
    if late and not waive_late_policy:
        booking.status = Booking.Status.LATE_CANCELLED
        _settle(booking, p, business.late_cancel_policy, actor, "late cancellation")
    else:
        booking.status = Booking.Status.CANCELLED
        _settle(
            booking,
            p,
            CreditPolicy.RELEASE,
            actor,
            "cancelled in time" if not late else "late cancellation, policy waived by staff",
        )
    booking.cancelled_at = clock.now()
    booking.save(update_fields=["status", "cancelled_at"])
    notifications.booking_cancelled(booking)
    waitlists.promote_next(booking.session, actor=actor)
    return booking


def is_late_cancel(booking: Booking, business: Business) -> bool:
    """Would cancelling now be late? (Shown to customers before they confirm.)"""
    cutoff = booking.session.starts_at - timedelta(hours=business.late_cancel_hours)
    return clock.now() > cutoff


@transaction.atomic
def check_in(booking_id: int, *, actor: User | None = None) -> Booking:
    """Check in, while attendance is open: the held credit becomes used."""
    booking = locks.booking_for_update(booking_id)
    p = booking.customer_pass
    _require(booking, Booking.Status.BOOKED)
    if booking.session.is_cancelled:
        raise errors.SessionCancelled()
    _require_attendance_open(booking.session)
    _settle(booking, p, CreditPolicy.CONSUME, actor, "checked in")
    booking.status, booking.checked_in_at = Booking.Status.ATTENDED, clock.now()
    booking.save(update_fields=["status", "checked_in_at"])
    return booking


@transaction.atomic
def undo_check_in(booking_id: int, *, actor: User | None = None) -> Booking:
    """Undo a check-in: the used credit is held again. Not on a voided pass: its bookings
    stay as they were when it was voided, and it holds nothing."""
    booking = locks.booking_for_update(booking_id)
    p = booking.customer_pass
    _require(booking, Booking.Status.ATTENDED)
    if p is not None and p.voided:
        raise errors.PassVoided("The pass that paid for this booking has been voided.")
    if p is not None:
        ledger.append(
            p,
            EntryKind.UNCONSUME,
            booking.credits,
            booking=booking,
            actor=actor,
            reason="check-in undone",
        )
    booking.status, booking.checked_in_at = Booking.Status.BOOKED, None
    booking.save(update_fields=["status", "checked_in_at"])
    return booking


@transaction.atomic
def mark_no_show(booking_id: int, *, actor: User | None = None) -> Booking:
    """Mark a no-show once the session has started; the no-show policy decides the credit."""
    booking = locks.booking_for_update(booking_id)
    p = booking.customer_pass
    _require(booking, Booking.Status.BOOKED)
    if clock.now() < booking.session.starts_at:
        raise errors.SessionNotStarted()
    _settle(booking, p, Business.current().no_show_policy, actor, "no-show")
    booking.status = Booking.Status.NO_SHOW
    booking.save(update_fields=["status"])
    return booking


@transaction.atomic
def undo_no_show(booking_id: int, *, actor: User | None = None) -> Booking:
    """Undo a no-show while attendance is open (marked by mistake, or the customer came
    after all): the booking is booked again and its credit held again, undoing whatever
    the no-show policy did at the time (consumed it, or gave it back)."""
    booking = locks.booking_for_update(booking_id)
    p = booking.customer_pass
    _require(booking, Booking.Status.NO_SHOW)
    _require_attendance_open(booking.session)
    _require_place_back(booking)
    if p is not None:
        _hold_again(booking, p, actor)
    booking.status = Booking.Status.BOOKED
    booking.save(update_fields=["status"])
    return booking


def _require_place_back(booking: Booking) -> None:
    """A no-show's place may have gone to someone else since (a staff promotion from the
    waitlist); then it cannot be taken back (the session is locked)."""
    session = booking.session
    live = session.bookings.filter(status__in=Booking.LIVE).order_by().count()
    if live + waitlists.held_offers(session).order_by().count() >= session.capacity:
        raise errors.SessionFull(
            "The place this no-show left has been taken since: the class is full.",
            session_id=session.id,
        )


def _hold_again(booking: Booking, p: Pass, actor: User | None) -> None:
    if p.voided:
        raise errors.PassVoided("The pass that paid for this booking has been voided.")
    settled = p.entries.filter(booking=booking).latest("id")
    left = p.remaining
    if settled.kind == EntryKind.CONSUME:
        kind = EntryKind.UNCONSUME
    elif left is not None and left < (booking.credits or 0):
        raise errors.PassNotUsable(
            "The credit this no-show gave back has been booked again; the pass has none "
            "left to hold."
        )
    else:
        kind = EntryKind.HOLD
    ledger.append(p, kind, booking.credits, booking=booking, actor=actor, reason="no-show undone")


def _require_attendance_open(session: Session) -> None:
    business = Business.current()
    window = business.attendance_window(session.starts_at, session.ends_at)
    phase = window.phase(clock.now())
    if phase == Phase.NOT_OPEN:
        opens = window.opens_at.astimezone(business.tz)
        raise errors.CheckInNotOpen(
            f"Check-in opens on {opens:%a %d %b at %H:%M}.", opens_at=window.opens_at.isoformat()
        )
    if phase == Phase.CLOSED:
        closed = window.closes_at.astimezone(business.tz)
        raise errors.AttendanceClosed(
            f"Attendance for this session closed on {closed:%a %d %b at %H:%M}.",
            closed_at=window.closes_at.isoformat(),
        )
