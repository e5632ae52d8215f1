"""Waitlists: joining a full session, leaving, and promotion when a place frees up.

A freed place is filled in the transaction that freed it, under the session's lock: the
caller has locked the session, then (locks.waiting_customers) everyone waiting for it,
and calls promote_next(). The first waiting customer who can pay at that moment is booked
(the spend rule picks the pass); one who cannot is skipped, told why, and stays waiting.

Inside the late-cancel window, someone who did not opt in is *offered* the place instead:
it is held for them (counted against the capacity) until a cut-off, and they claim it, or
decline it, or let it lapse; then it passes to the next in line (jobs: pass_on_offers).

With the studio's `waitlist_holds_credit`, joining also holds a credit of the pass that
would pay (a ledger HOLD linked to the entry), so the wait cannot be emptied by spending it
elsewhere. Every way off the list gives it back (a RELEASE); a promotion releases it and
books in the same transaction, so the booking's hold is on the pass the spend rule picks
then. Holds left when the session is over are given back by the offers job.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from passbook import clock
from passbook.models import (
    Booking,
    Business,
    Notification,
    Pass,
    Session,
    User,
    WaitlistEntry,
)
from passbook.rules.ledger import EntryKind
from passbook.services import bookings, errors, ledger, locks, notifications

log = logging.getLogger(__name__)

Status = WaitlistEntry.Status
OPEN = WaitlistEntry.OPEN
# Entries holding a credit for their wait (held, not given back yet).
HOLDING = Q(credit_hold__isnull=False, credit_release__isnull=True)


def capacity(session: Session, business: Business) -> int:
    """How many may wait: the session's own number, or the studio's default."""
    if session.waitlist_capacity is not None:
        return session.waitlist_capacity
    return business.waitlist_capacity


def waiting(session: Session) -> QuerySet[WaitlistEntry]:
    """The session's list, first in line first."""
    return session.waitlist.filter(status=Status.WAITING).order_by("joined_at", "id")


def listed(session: Session) -> QuerySet[WaitlistEntry]:
    """Everyone on the session's list, waiting or holding an offered place, in order (with
    the credit each holds for the wait, if any)."""
    return (
        session.waitlist.filter(status__in=OPEN)
        .select_related("credit_hold__customer_pass")
        .order_by("joined_at", "id")
    )


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
    """The customer's waiting (or offered) entries for these sessions, by session id, with
    positions."""
    mine = WaitlistEntry.objects.filter(
        customer_id=customer_id, status__in=OPEN, session__in=sessions
    )
    return {e.session_id: e for e in with_position(mine)}


def on_lists(customer_id: int) -> QuerySet[WaitlistEntry]:
    """The customer's entries still on a list (waiting or offered) for sessions yet to
    start, soonest first, with positions and the credit each holds for the wait."""
    mine = WaitlistEntry.objects.filter(
        customer_id=customer_id, status__in=OPEN, session__starts_at__gt=clock.now()
    )
    held = mine.select_related("session__class_type", "credit_hold__customer_pass")
    return with_position(held).order_by("session__starts_at", "id")


NEWS_DAYS = 7


def news(customer_id: int) -> QuerySet[WaitlistEntry]:
    """What the customer should hear about, for sessions yet to start: a place on offer,
    or, within NEWS_DAYS, a promotion, a skip (with its reason) or a lapsed offer."""
    now = clock.now()
    since = now - timedelta(days=NEWS_DAYS)
    happened = (
        Q(status=Status.OFFERED, offer_expires_at__gt=now)
        | Q(status__in=[Status.PROMOTED, Status.OFFER_EXPIRED], ended_at__gte=since)
        | Q(status=Status.WAITING, skipped_at__gte=since)
    )
    return (
        WaitlistEntry.objects.filter(happened, customer_id=customer_id)
        .filter(session__starts_at__gt=now)
        .select_related("session__class_type")
        .order_by("session__starts_at", "id")
    )


def held_offers(session: Session) -> QuerySet[WaitlistEntry]:
    """Offers still open for the session: each holds one of its places."""
    return session.waitlist.filter(status=Status.OFFERED, offer_expires_at__gt=clock.now())


def places_held(session: Session, *, but_customer: int) -> int:
    """Places held by open offers to customers other than `but_customer` (whose own
    offered place is theirs to book)."""
    return held_offers(session).exclude(customer_id=but_customer).order_by().count()


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
    if session.waitlist.filter(customer_id=customer.id, status__in=OPEN).exists():
        raise errors.AlreadyWaiting(session_id=session.id)
    business = Business.current()
    if entries.count() >= capacity(session, business):
        raise errors.WaitlistFull(session_id=session.id)
    # Refuses with the reasons; a drop-in joiner pays at the door, so nothing is held.
    paying = None if drop_in else bookings.paying_pass(customer, session, None)
    entry = WaitlistEntry.objects.create(
        session=session,
        customer=customer,
        joined_at=clock.now(),
        auto_promote_late=late_ok,
        drop_in=drop_in,
    )
    if paying is not None and business.waitlist_holds_credit:
        _hold(entry, paying, actor)
    return entry


def _hold(entry: WaitlistEntry, paying: Pass, actor: User | None) -> None:
    """Hold the session's credits on the paying pass for the wait (the customer is locked)."""
    session = entry.session
    reason = f"waiting for {session}"[:300]
    entry.credit_hold = ledger.append(
        paying, EntryKind.HOLD, session.credit_cost, actor=actor, reason=reason
    )
    entry.save(update_fields=["credit_hold"])
    log.info("waitlist entry %s holds %s on pass %s", entry.id, session.credit_cost, paying.id)


def _release(entry: WaitlistEntry, reason: str, actor: User | None = None) -> None:
    """Give back the credit held for the wait, if any (the customer is locked)."""
    if not entry.holds_credit:
        return
    hold = entry.credit_hold
    assert hold is not None  # holds_credit
    p = Pass.objects.get(pk=hold.customer_pass_id)  # as it is now, under the customer lock
    entry.credit_release = ledger.append(
        p, EntryKind.RELEASE, hold.amount, actor=actor, reason=reason[:300]
    )
    entry.save(update_fields=["credit_release"])
    log.info("waitlist entry %s released %s on pass %s: %s", entry.id, hold.amount, p.id, reason)


def release_holds(entries: QuerySet[WaitlistEntry], reason: str, actor: User | None = None) -> None:
    """Give back the credits these entries hold (their customers are locked)."""
    for entry in entries.filter(HOLDING).select_related("credit_hold", "session"):
        _release(entry, reason, actor)


def release_on_passes(pass_ids: Iterable[int], reason: str, actor: User | None = None) -> None:
    """Give back every waitlist credit held on these passes (voided or expired; their
    customers are locked). The entries stay on their lists: a promotion asks the spend
    rule again."""
    on_passes = WaitlistEntry.objects.filter(credit_hold__customer_pass_id__in=list(pass_ids))
    release_holds(on_passes, reason, actor)


def _entry_for_update(
    entry_id: int, statuses: tuple[str, ...] = (Status.WAITING,), *, waitlist: bool = False
) -> WaitlistEntry:
    """The entry, read again once its session and then its customer are locked; with
    `waitlist`, also everyone waiting (a place it gives up goes to one of them)."""
    found = locks.get(WaitlistEntry, entry_id, "No such waitlist entry.")
    locks.session(found.session_id)
    if waitlist:
        locks.waiting_customers([found.session_id], also=[found.customer_id])
    else:
        locks.customer(found.customer_id)
    entry = WaitlistEntry.objects.select_related("session__class_type", "customer").get(pk=entry_id)
    if entry.status not in statuses:
        if statuses == (Status.OFFERED,):
            raise errors.NotOffered(entry_status=entry.status)
        raise errors.NotWaiting(entry_status=entry.status)
    return entry


@transaction.atomic
@Business.kept()
def leave(entry_id: int, *, actor: User | None = None, by_staff: bool = False) -> WaitlistEntry:
    """Leave the waitlist (or, `by_staff`, be removed from it). Leaving with a place on
    offer declines it: the place goes to the next in line."""
    entry = _entry_for_update(entry_id, OPEN, waitlist=True)
    offered = entry.status == Status.OFFERED
    if by_staff:
        _end(entry, Status.REMOVED, actor)
    else:
        _end(entry, Status.DECLINED if offered else Status.LEFT, actor)
    if offered:
        promote_next(entry.session, actor=actor)
    return entry


@transaction.atomic
@Business.kept()
def claim(entry_id: int, *, actor: User | None = None) -> Booking:
    """Claim an offered place before its cut-off: booked like any booking, on the pass the
    spend rule picks now (a refusal gives its reasons, and the offer stands)."""
    entry = _entry_for_update(entry_id, (Status.OFFERED,))
    expires_at = entry.offer_expires_at
    if expires_at is None or expires_at <= clock.now():
        raise errors.OfferExpired(offer_expired_at=expires_at.isoformat() if expires_at else None)
    return _book(entry, entry.session, actor)


@transaction.atomic
@Business.kept()
def pass_on_offers(session_id: int) -> int:
    """End the session's offers past their cut-off and offer (or give) the places to the
    next in line; how many ended. Safe to run twice: the second finds none."""
    session = locks.session(session_id)
    lapsed = session.waitlist.filter(status=Status.OFFERED, offer_expires_at__lte=clock.now())
    locks.waiting_customers([session.id], also=lapsed.values_list("customer_id", flat=True))
    release_holds(lapsed, f"offer of a place in {session} not claimed in time")
    ended = lapsed.update(status=Status.OFFER_EXPIRED, ended_at=clock.now())
    if session.ends_at <= clock.now():
        # Over: nobody can be booked into it any more, so nothing stays held for it.
        release_holds(waiting(session), f"{session} is over")
    promote_next(session)
    return ended


def lapsed_offer_session_ids() -> list[int]:
    """Sessions with an offer past its cut-off, or over with credits still held for their
    waitlist (the job hands each to pass_on_offers)."""
    now = clock.now()
    lapsed = WaitlistEntry.objects.filter(
        Q(status=Status.OFFERED, offer_expires_at__lte=now)
        | Q(HOLDING, status=Status.WAITING, session__ends_at__lte=now)
    )
    return sorted(set(lapsed.values_list("session_id", flat=True)))


@transaction.atomic
@Business.kept()
def promote(entry_id: int, *, actor: User | None = None) -> Booking:
    """Staff book this waiting (or offered) customer now (in or out of turn, also inside
    the late-cancel window); refused like any booking (`session_full`, `no_usable_pass` …)."""
    entry = _entry_for_update(entry_id, OPEN)
    return _book(entry, entry.session, actor)


def promote_next(session: Session, *, actor: User | None = None) -> list[Booking]:
    """Fill the session's free places from its waitlist, first come first served among
    those who can pay now; inside the late-cancel window, those who did not opt in are
    offered the place instead (held for them until the cut-off). The caller holds the
    session's lock and the waiting customers' (locks.waiting_customers), in this
    transaction."""
    if session.is_cancelled or session.ends_at <= clock.now():
        return []
    business = Business.current()
    late = is_late(session, business)
    live = session.bookings.filter(status__in=Booking.LIVE).order_by().count()
    free = session.capacity - live - held_offers(session).order_by().count()
    promoted: list[Booking] = []
    for entry in waiting(session).select_related("customer"):
        if free <= 0:
            break
        if late and not entry.auto_promote_late:
            # Not booked into a place they could not cancel for free: offered it instead.
            free -= _offer(entry, session, business)
            continue
        booking = _try(entry, session, actor)
        if booking is not None:
            promoted.append(booking)
            free -= 1
    return promoted


def _offer(entry: WaitlistEntry, session: Session, business: Business) -> int:
    """Hold the place for the entry until the cut-off (never past the start), if they
    could pay for it now; 1 if a place is now held for them, else 0."""
    now = clock.now()
    expires_at = min(now + timedelta(minutes=business.waitlist_claim_minutes), session.starts_at)
    if expires_at <= now:
        return 0  # started: no time left to claim; staff may still promote them
    if _booked_elsewhere(entry, session):
        return 0
    if not entry.drop_in:
        try:
            with _hold_given_back(entry, session, None, keep=False):  # theirs to pay with
                bookings.paying_pass(entry.customer, session, None)
        except errors.NoUsablePass as exc:
            _skip(entry, _reason(exc))
            return 0
    entry.status, entry.offer_expires_at = Status.OFFERED, expires_at
    entry.save(update_fields=["status", "offer_expires_at"])
    _tell_offered(entry, expires_at, business)
    return 1


def _tell_offered(entry: WaitlistEntry, expires_at: datetime, business: Business) -> None:
    starts = entry.session.starts_at.astimezone(business.tz)
    until = expires_at.astimezone(business.tz)
    notifications.enqueue(
        Notification.Kind.WAITLIST_OFFERED,
        f"waitlist-offered:{entry.id}",
        entry.customer,
        "A place came free: claim it",
        f"A place came free in {entry.session.class_type} on {starts:%a %d %b at %H:%M}. It is "
        f"held for you until {until:%a %d %b at %H:%M}: claim it in your bookings, or it goes "
        "to the next person waiting.",
    )


def _try(entry: WaitlistEntry, session: Session, actor: User | None) -> Booking | None:
    """Book one waiting customer, or record why not. book_locked() refuses before it
    writes anything, so a refusal needs no undoing."""
    if _booked_elsewhere(entry, session):
        return None
    try:
        return _book(entry, session, actor)
    except errors.NoUsablePass as exc:
        _skip(entry, _reason(exc))
        return None


def _book(entry: WaitlistEntry, session: Session, actor: User | None) -> Booking:
    """Book the entry's customer. A credit held for the wait is released first, so the
    spend rule can pick any pass (that one included); a refusal takes the release back
    (a savepoint), and the credit stays held."""
    with _hold_given_back(entry, session, actor, keep=True):
        return _book_paid(entry, session, actor)


@contextmanager
def _hold_given_back(
    entry: WaitlistEntry, session: Session, actor: User | None, *, keep: bool
) -> Iterator[None]:
    """Run the block with the wait's held credit released (in a savepoint), so the spend
    rule sees it free; the release stands only if `keep` and the block succeeded."""
    if not entry.holds_credit:
        yield
        return
    savepoint = transaction.savepoint()
    try:
        _release(entry, f"moved to the booking for {session}", actor)
        yield
    except BaseException:
        _take_back(entry, savepoint)
        raise
    if keep:
        transaction.savepoint_commit(savepoint)
    else:
        _take_back(entry, savepoint)


def _take_back(entry: WaitlistEntry, savepoint: str) -> None:
    transaction.savepoint_rollback(savepoint)
    entry.credit_release = None  # rolled back with the savepoint: still held


def _book_paid(entry: WaitlistEntry, session: Session, actor: User | None) -> Booking:
    """By the pass the spend rule picks now, else (if they agreed when joining) as a
    drop-in."""
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


def _booked_elsewhere(entry: WaitlistEntry, session: Session) -> bool:
    """Booked meanwhile at the same time: the entry ends (`booked_elsewhere`)."""
    entry.session = session
    if not _overlapping_booking(entry, session):
        return False
    _end(entry, Status.BOOKED_ELSEWHERE)
    return True


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


def _end(entry: WaitlistEntry, status: str, actor: User | None = None) -> None:
    entry.status, entry.ended_at = status, clock.now()
    entry.save(update_fields=["status", "ended_at"])
    _release(entry, f"no longer waiting for {entry.session}: {entry.get_status_display()}", actor)


def _promoted(entry: WaitlistEntry, booking: Booking) -> None:
    """Record the promotion, take the customer off the waitlists of sessions at the same
    time (no second booking, no second charge), and tell them."""
    entry.status, entry.booking, entry.ended_at = Status.PROMOTED, booking, clock.now()
    entry.save(update_fields=["status", "booking", "ended_at"])
    leave_overlapping(entry.customer_id, booking.session, but=entry.pk)
    notifications.waitlist_promoted(entry, booking)


def leave_overlapping(customer_id: int, session: Session, *, but: int | None = None) -> None:
    """A customer booked into `session` stops waiting for it and for any session at the
    same time (the caller holds their lock): no second booking, no second charge. An offer
    of a place in another session is withdrawn (its cut-off becomes now), and the job
    passes that place on: its session is not ours to lock here."""
    overlapping = WaitlistEntry.objects.filter(
        customer_id=customer_id,
        session__starts_at__lt=session.ends_at,
        session__ends_at__gt=session.starts_at,
    )
    if but is not None:
        overlapping = overlapping.exclude(pk=but)
    now = clock.now()
    ending = overlapping.filter(
        Q(status=Status.WAITING) | Q(status=Status.OFFERED, session=session)
    )
    withdrawn = overlapping.filter(status=Status.OFFERED, offer_expires_at__gt=now)
    release_holds(ending | withdrawn, f"booked into {session}")
    ending.update(status=Status.BOOKED_ELSEWHERE, ended_at=now)
    withdrawn.update(offer_expires_at=now)


def _skip(entry: WaitlistEntry, reason: str) -> None:
    """Passed over: stays waiting, with the reason, and is told (once per reason)."""
    entry.skip_reason, entry.skipped_at = reason, clock.now()
    entry.save(update_fields=["skip_reason", "skipped_at"])
    notifications.waitlist_skipped(entry, reason)


def close_for_cancelled_session(session: Session) -> None:
    """A cancelled session's waitlist ends and its held credits come back (the caller
    holds the session's lock; the customers holding credits are locked here)."""
    on_list = listed(session)
    locks.customers(on_list.filter(HOLDING).values_list("customer_id", flat=True))
    release_holds(on_list, f"{session} cancelled")
    on_list.update(status=Status.REMOVED, ended_at=clock.now())
