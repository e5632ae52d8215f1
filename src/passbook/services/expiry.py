"""Recording the credits a pass loses when it expires (DESIGN.md §2, Status)."""

from django.db import transaction

from passbook import clock
from passbook.models import Pass
from passbook.rules.ledger import EntryKind
from passbook.services import ledger, locks


@transaction.atomic
def forfeit(pass_id: int) -> bool:
    """Record a FORFEIT entry for an expired pass's remaining credits, once per expiry.

    Counters do not change, so extending the expiry brings the credits back; if the pass
    expires again later, that expiry is recorded too. Returns whether anything was written.
    """
    found = locks.get(Pass, pass_id, "No such pass.")
    locks.customer(found.customer_id)
    p = Pass.objects.get(pk=pass_id)
    if p.voided or p.expires_at is None or p.expires_at >= clock.now():
        return False
    if p.remaining is None or p.remaining <= 0:
        return False
    last = p.entries.filter(kind__in=[EntryKind.FORFEIT, EntryKind.VALIDITY]).last()
    if last is not None and last.kind == EntryKind.FORFEIT:
        return False  # this expiry is already recorded
    ledger.append(p, EntryKind.FORFEIT, p.remaining, reason="expired with credits left")
    return True
