"""Waitlists: join a full session, see the list, leave (or remove), promote, claim an
offered place."""

from ninja import Router, Status

from passbook.api.routers.common import caller, one, own, responds
from passbook.api.routers.schedule import seen_by
from passbook.api.schemas import BookingOut, QueryId, WaitlistEntryOut, WaitlistJoinIn
from passbook.models import WaitlistEntry
from passbook.services import errors, waitlists
from passbook.services.errors import NotFound

router = Router(tags=["waitlists"])


def _out(entry: WaitlistEntry, position: int | None = None) -> WaitlistEntry:
    """The entry with its place in line (counted here when not given)."""
    if position is None and entry.status == WaitlistEntry.Status.WAITING:
        position = waitlists.position(entry)
    entry.position = position  # type: ignore[attr-defined]
    return entry


@router.post("/sessions/{pk}/waitlist", response=responds(201, WaitlistEntryOut))
def join(request, pk: QueryId, body: WaitlistJoinIn):
    """Join a full session's waitlist. The customer must be able to pay today (else
    `no_usable_pass` with the spend rule's reasons), or, staff only, pay the drop-in price."""
    who = caller(request)
    if not who.is_staff:
        if body.customer_id != who.customer_id:
            raise NotFound("No such customer.")
        if body.drop_in:
            raise errors.Forbidden("Drop-in places on the waitlist are arranged at the desk.")
    session = one(seen_by(request), pk, "session")
    entry = waitlists.join(
        body.customer_id, session.id, late_ok=body.late_ok, drop_in=body.drop_in, actor=who.user
    )
    return Status(201, _out(entry))


@router.get("/sessions/{pk}/waitlist", response=responds(200, list[WaitlistEntryOut]))
def waiting(request, pk: QueryId):
    """Who holds an offered place (no position), then who is waiting, first in line
    first; a customer sees only their own entry."""
    session = one(seen_by(request), pk, "session")
    offered = [(None, e) for e in waitlists.held_offers(session)]
    entries = [*offered, *enumerate(waitlists.waiting(session), start=1)]
    who = caller(request)
    return [
        _out(e, position)
        for position, e in entries
        if who.is_staff or e.customer_id == who.customer_id
    ]


@router.delete("/waitlist/{pk}", response=responds(200, WaitlistEntryOut))
def leave(request, pk: QueryId):
    """Leave the waitlist (a customer), or remove someone from it (staff). Leaving with a
    place on offer declines it (`declined`): the place goes to the next in line."""
    who = caller(request)
    entry = one(own(request, WaitlistEntry.objects.all()), pk, "waitlist entry")
    return _out(waitlists.leave(entry.id, actor=who.user, by_staff=who.is_staff))


@router.post("/waitlist/{pk}/promote", response=responds(201, BookingOut))
def promote(request, pk: QueryId):
    """Staff book this waiting customer now, in or out of turn, if there is a place."""
    who = caller(request)
    who.require_staff()
    entry = one(WaitlistEntry.objects.all(), pk, "waitlist entry")
    return Status(201, waitlists.promote(entry.id, actor=who.user))


@router.post("/waitlist/{pk}/claim", response=responds(201, BookingOut))
def claim(request, pk: QueryId):
    """Claim the place on offer before `offer_expires_at`: booked on the pass the spend rule
    picks now (else `no_usable_pass` with its reasons, and the offer stands); after the
    cut-off `offer_expired`, and `not_offered` when no place is on offer."""
    who = caller(request)
    entry = one(own(request, WaitlistEntry.objects.all()), pk, "waitlist entry")
    return Status(201, waitlists.claim(entry.id, actor=who.user))
