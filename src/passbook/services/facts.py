"""Translate rows into the plain facts the rules decide over."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, QuerySet

from passbook import clock
from passbook.models import Booking, Business, Pass, PassFreeze, Session
from passbook.prepared import Prepared
from passbook.rules.calendar import local_date
from passbook.rules.facts import PassFacts, SessionFacts
from passbook.rules.money import PaymentStatus, payment_status


def session_facts(s: Session) -> SessionFacts:
    return SessionFacts(
        s.id, s.starts_at, s.class_type_id, s.class_type.category_id, s.credit_cost, clock.now()
    )


def pass_facts(
    p: Pass,
    booked_days: tuple[date, ...] = (),
    frozen: tuple[tuple[date, date], ...] = (),
    unpaid_limit: int | None = None,
    live_bookings: int = 0,
) -> PassFacts:
    return PassFacts(
        id=p.id,
        name=p.name,
        purchased_at=p.purchased_at,
        total=p.total,
        held=p.held,
        used=p.used,
        starts_at=p.starts_at,
        expires_at=p.expires_at,
        validity=p.validity,
        priority=p.priority,
        voided=p.voided,
        category_ids=frozenset(p.category_ids),
        class_type_ids=frozenset(p.class_type_ids),
        restriction_label=p.restriction_label,
        max_per_day=p.max_per_day,
        max_per_week=p.max_per_week,
        booked_days=booked_days,
        frozen=frozen,
        owed=owed(p),
        unpaid_limit=unpaid_limit,
        live_bookings=live_bookings,
    )


def owed(p: Pass) -> Decimal:
    """What is still to pay on the pass: 0 once it is fully paid (a free pass, or one paid
    by a voucher, always is)."""
    if payment_status(p.price, p.amount_paid) is PaymentStatus.PAID:
        return Decimal(0)
    return p.price - p.amount_paid


def with_freeze_flag(qs: QuerySet[Pass]) -> QuerySet[Pass]:
    """Passes annotated with whether they have any freeze (most have none), so that
    passes_facts() can skip the freeze query."""
    return qs.annotate(has_freezes=Exists(PassFreeze.objects.filter(customer_pass=OuterRef("pk"))))


def live_passes(customer_id: int) -> list[Pass]:
    """The customer's passes that are not voided, with the freeze flag: the spend rule's
    input on every booking (compiled once)."""
    return _LIVE_PASSES.objects(customer_id)


_LIVE_PASSES = Prepared(
    lambda customer_id: with_freeze_flag(
        Pass.objects.filter(customer_id=customer_id, voided_at__isnull=True)
    )
)


def passes_facts(
    passes: Iterable[Pass], tz: ZoneInfo, *, unpaid_policy: bool = True
) -> list[PassFacts]:
    """Facts for several passes, with the local days of their live bookings (for caps)
    and, for unpaid passes the studio limits, how many live bookings they hold
    (`unpaid_policy=False`: a pass being paid by card right now is not limited)."""
    passes = list(passes)
    limit = Business.current().unpaid_booking_limit if unpaid_policy else None
    days: dict[int, list[date]] = defaultdict(list)
    capped = {p.id for p in passes if p.max_per_day is not None or p.max_per_week is not None}
    # On hold (limit 0) needs no count: any booking is one too many.
    counted = {p.id for p in passes if limit and owed(p) > 0}
    if capped or counted:  # one query for both
        rows = Booking.objects.filter(
            customer_pass_id__in=capped | counted, status__in=Booking.LIVE
        )
        for pass_id, starts_at in rows.values_list("customer_pass_id", "session__starts_at"):
            days[pass_id].append(local_date(starts_at, tz))
    frozen: dict[int, list[tuple[date, date]]] = defaultdict(list)
    # Passes read with with_freeze_flag() say whether a freeze query is needed at all.
    maybe_frozen = [p.id for p in passes if getattr(p, "has_freezes", True)]
    if maybe_frozen:
        freezes = PassFreeze.objects.filter(customer_pass_id__in=maybe_frozen)
        for pass_id, first, last in freezes.values_list("customer_pass_id", "starts_on", "ends_on"):
            frozen[pass_id].append((first, last))
    return [
        pass_facts(
            p,
            tuple(days[p.id]) if p.id in capped else (),
            tuple(frozen[p.id]),
            unpaid_limit=limit,
            live_bookings=len(days[p.id]),
        )
        for p in passes
    ]
