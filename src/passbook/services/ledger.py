"""The only way pass counters change: apply an entry and append it, in one step."""

from decimal import Decimal

from passbook import clock
from passbook.models import Booking, Pass, PassEntry, User
from passbook.models.fields import MOST_CREDITS
from passbook.prepared import Insert, Update
from passbook.rules import ledger
from passbook.rules.ledger import EntryKind
from passbook.services import errors


def append(
    p: Pass,
    kind: EntryKind,
    amount: Decimal | None = None,
    *,
    booking: Booking | None = None,
    actor: User | None = None,
    reason: str = "",
) -> PassEntry:
    """Apply one entry to the pass's counters and append it to the ledger.

    The caller holds the customer lock and is inside the transaction.
    """
    entry = ledger.Entry(kind, amount, p.starts_at, p.expires_at)
    after = ledger.apply(p.counters, entry)
    if max(after.total or 0, after.held, after.used) > MOST_CREDITS:
        raise errors.InvalidInput(f"A pass holds at most {MOST_CREDITS:,} credits.", field="amount")
    p.total, p.held, p.used = after.total, after.held, after.used
    _COUNTERS.save(p)
    made = entry_for(p, kind, amount, booking=booking, actor=actor, reason=reason)
    _ENTRY.save(made)
    return made


# Written on every booking and cancellation: compiled once.
_COUNTERS = Update(Pass, "total", "held", "used", "starts_at", "expires_at", "voided_at")
_ENTRY = Insert(PassEntry)


def entry_for(
    p: Pass,
    kind: EntryKind,
    amount: Decimal | None,
    *,
    booking: Booking | None = None,
    actor: User | None = None,
    reason: str = "",
) -> PassEntry:
    """An entry, not yet saved, recording the pass's start and expiry as they now are."""
    return PassEntry(
        customer_pass=p,
        kind=kind,
        amount=amount,
        starts_at=p.starts_at,
        expires_at=p.expires_at,
        booking=booking,
        actor=actor,
        reason=reason,
        created_at=clock.now(),
    )


def grant(p: Pass, *, actor: User | None = None, reason: str = "") -> PassEntry:
    """A new pass's GRANT entry, not yet saved. A new pass's counters are already the fold
    of its GRANT (total, start, expiry; none held or used), so the pass is inserted with
    them rather than saved twice."""
    entry = ledger.Entry(EntryKind.GRANT, p.total, p.starts_at, p.expires_at)
    assert ledger.apply(ledger.Counters(), entry) == p.counters, "not a new pass"
    return entry_for(p, EntryKind.GRANT, p.total, actor=actor, reason=reason)


def open_pass(p: Pass, *, actor: User | None = None, reason: str = "") -> None:
    """Save a new pass and append its GRANT entry."""
    entry = grant(p, actor=actor, reason=reason)
    p.save(force_insert=True)
    entry.save(force_insert=True)
