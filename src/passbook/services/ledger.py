"""The only way pass counters change: apply an entry and append it, in one step."""

from decimal import Decimal

from passbook import clock
from passbook.models import Booking, Pass, PassEntry, User
from passbook.rules import ledger
from passbook.rules.ledger import EntryKind


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
    p.total, p.held, p.used = after.total, after.held, after.used
    p.save(update_fields=["total", "held", "used", "starts_at", "expires_at", "voided_at"])
    return PassEntry.objects.create(
        customer_pass=p,
        kind=kind,
        amount=amount,
        starts_at=after.starts_at,
        expires_at=after.expires_at,
        booking=booking,
        actor=actor,
        reason=reason,
        created_at=clock.now(),
    )
