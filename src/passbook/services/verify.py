"""Recompute every pass from its ledger and check the invariants (DESIGN.md §3)."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum

from passbook import clock
from passbook.models import Booking, CreditNote, Pass, PassEntry, Session, WaitlistEntry
from passbook.rules import ledger
from passbook.rules.ledger import EntryKind


@dataclass(frozen=True)
class Problem:
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


def _pass_problems(p: Pass, entries: list[PassEntry], paid: Decimal) -> Iterator[Problem]:
    subject = f"pass {p.id} ({p.name}, customer {p.customer_id})"
    expected = ledger.fold([e.as_rule for e in entries])
    if expected != p.counters:
        yield Problem(subject, f"stored {p.counters} but its ledger gives {expected}")
    if p.remaining is not None and p.remaining < 0:
        yield Problem(subject, f"remaining is {p.remaining}")
    if paid != p.amount_paid:
        yield Problem(subject, f"amount paid is {p.amount_paid} but its payments sum to {paid}")
    if p.voided and p.held:
        yield Problem(subject, f"voided, but holds {p.held} credits")


def problems(chunk_size: int = 2000) -> Iterator[Problem]:
    """Every disagreement between stored counters and the ledger, and every broken invariant."""
    paid = Sum("payments__amount", default=Decimal("0"))
    passes = Pass.objects.annotate(paid_total=paid).order_by("id")
    entries = PassEntry.objects.order_by("id")
    for p in passes.prefetch_related(Prefetch("entries", queryset=entries)).iterator(chunk_size):
        yield from _pass_problems(p, list(p.entries.all()), p.paid_total)
    negative = (
        CreditNote.objects.values("customer").annotate(balance=Sum("amount")).filter(balance__lt=0)
    )
    for row in negative:
        yield Problem(f"customer {row['customer']}", f"account credit is {row['balance']}")
    live = Q(bookings__status__in=Booking.LIVE)
    crowded = Session.objects.annotate(live=Count("bookings", filter=live)).filter(
        live__gt=F("capacity")
    )
    for s in crowded:
        yield Problem(f"session {s.id} ({s})", f"{s.live} live bookings for {s.capacity} places")
    booked_on_voided = Booking.objects.filter(
        status=Booking.Status.BOOKED, customer_pass__voided_at__isnull=False
    )
    for b in booked_on_voided.order_by("id"):
        yield Problem(f"booking {b.id}", f"booked on voided pass {b.customer_pass_id}")
    yield from _waitlist_problems()


def _waitlist_problems() -> Iterator[Problem]:
    """A promotion without its booking, or someone still waiting for a cancelled session."""
    promoted = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.PROMOTED)
    mismatched = promoted.filter(
        Q(booking__isnull=True)
        | ~Q(booking__customer_id=F("customer_id"))
        | ~Q(booking__session_id=F("session_id"))
    )
    for e in mismatched.order_by("id"):
        yield Problem(f"waitlist entry {e.id}", "promoted, but without its booking")
    stranded = WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.WAITING, session__status=Session.Status.CANCELLED
    )
    for e in stranded.order_by("id"):
        yield Problem(f"waitlist entry {e.id}", f"waiting for cancelled session {e.session_id}")
    yield from _offer_problems()
    yield from _held_credit_problems()


def _held_credit_problems() -> Iterator[Problem]:
    """A credit held for a wait: only while on the list (waiting or offered), by exactly one
    HOLD for no booking, and given back by one RELEASE of as much on the same pass."""
    entries = WaitlistEntry.objects.filter(credit_hold__isnull=False)
    still_held = entries.filter(credit_release__isnull=True).exclude(status__in=WaitlistEntry.OPEN)
    for e in still_held.order_by("id"):
        yield Problem(f"waitlist entry {e.id}", f"{e.status}, but still holds a credit")
    bad_hold = (
        ~Q(credit_hold__kind=EntryKind.HOLD)
        | Q(credit_hold__booking__isnull=False)
        | ~Q(credit_hold__customer_pass__customer_id=F("customer_id"))
    )
    bad_release = Q(credit_release__isnull=False) & (
        ~Q(credit_release__kind=EntryKind.RELEASE)
        | ~Q(credit_release__customer_pass_id=F("credit_hold__customer_pass_id"))
        | ~Q(credit_release__amount=F("credit_hold__amount"))
    )
    for e in entries.filter(bad_hold | bad_release).order_by("id"):
        yield Problem(f"waitlist entry {e.id}", "its held credit's ledger entries do not match")


def _offer_problems() -> Iterator[Problem]:
    """An offer without its cut-off, or one past the session's start; a session whose
    bookings and open offers (each holds a place) are more than its places."""
    offered = WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED)
    for e in offered.filter(
        Q(offer_expires_at__isnull=True) | Q(offer_expires_at__gt=F("session__starts_at"))
    ).order_by("id"):
        yield Problem(f"waitlist entry {e.id}", "offered without a cut-off before the start")
    open_offers = Q(status=WaitlistEntry.Status.OFFERED, offer_expires_at__gt=clock.now())
    held = (
        offered.filter(open_offers, session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    live = Count("bookings", filter=Q(bookings__status__in=Booking.LIVE))
    crowded = (
        Session.objects.filter(id__in=offered.filter(open_offers).values("session_id"))
        .annotate(live=live, held=Subquery(held, output_field=IntegerField()))
        .filter(live__gt=F("capacity") - F("held"))
    )
    for s in crowded:
        yield Problem(
            f"session {s.id} ({s})",
            f"{s.live} live bookings and {s.held} offered places for {s.capacity} places",
        )
