"""Recording the credits passes lose when they expire (DESIGN.md §2, Status)."""

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from passbook import clock
from passbook.models import Pass, PassEntry, WaitlistEntry
from passbook.rules.ledger import EntryKind
from passbook.services import ledger, locks, waitlists


def due() -> QuerySet[Pass]:
    """Expired passes with credits left whose expiry is not recorded yet: the last of
    their FORFEIT and VALIDITY entries is not a FORFEIT. (Passes that expired long ago
    with credits left stay expired; the job must not re-read them every minute.) Credits
    held for a waitlist count as left: the job gives them back, then forfeits them."""
    last_kind = PassEntry.objects.filter(
        customer_pass=OuterRef("pk"), kind__in=[EntryKind.FORFEIT, EntryKind.VALIDITY]
    ).order_by("-id")
    waiting_on_it = WaitlistEntry.objects.filter(
        waitlists.HOLDING, credit_hold__customer_pass=OuterRef("pk")
    )
    return (
        Pass.objects.filter(
            Q(total__gt=F("held") + F("used")) | Exists(waiting_on_it),
            voided_at__isnull=True,
            expires_at__lt=clock.now(),
            total__isnull=False,
        )
        .annotate(last_kind=Subquery(last_kind.values("kind")[:1]))
        .filter(Q(last_kind__isnull=True) | Q(last_kind=EntryKind.VALIDITY))
    )


@transaction.atomic
def forfeit(pass_ids: list[int]) -> int:
    """Record a FORFEIT entry for each expired pass's remaining credits, once per expiry.

    A batch per transaction: the passes' customers are locked in id order, then each pass
    is re-checked. Counters do not change, so extending the expiry brings the credits
    back; if the pass expires again later, that expiry is recorded too. Returns how many
    entries were written.
    """
    owners = Pass.objects.filter(id__among=pass_ids).values_list("customer_id", flat=True)
    locks.customers(owners)
    waitlists.release_on_passes(
        due().filter(id__among=pass_ids).values_list("id", flat=True), "the pass expired"
    )
    entries = [
        ledger.entry_for(p, EntryKind.FORFEIT, p.remaining, reason="expired with credits left")
        for p in due().filter(id__among=pass_ids)
    ]
    PassEntry.objects.bulk_create(entries)
    return len(entries)
