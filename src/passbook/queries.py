"""Read-side filters shared by the API and the back office.

Status and payment status are derived, never stored (DESIGN.md §2); these express the
same rules as rules/status.py and rules/money.py as database conditions, so lists can
filter and page in the database.
"""

from datetime import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from passbook.rules.money import PaymentStatus
from passbook.rules.status import PassStatus


def status_condition(status: PassStatus, now: datetime) -> Q:
    voided = Q(voided_at__isnull=False)
    expired = ~voided & Q(expires_at__lt=now)
    not_started = ~voided & ~expired & (Q(starts_at__isnull=True) | Q(starts_at__gt=now))
    used_up = (
        ~voided
        & ~expired
        & ~not_started
        & Q(total__isnull=False)
        & Q(total__lte=F("held") + F("used"))
    )
    conditions = {
        PassStatus.VOIDED: voided,
        PassStatus.EXPIRED: expired,
        PassStatus.NOT_STARTED: not_started,
        PassStatus.USED_UP: used_up,
        PassStatus.ACTIVE: ~voided & ~expired & ~not_started & ~used_up,
    }
    return conditions[status]


def payment_condition(status: PaymentStatus) -> Q:
    paid = Q(amount_paid__gte=F("price"))
    return {
        PaymentStatus.PAID: paid,
        PaymentStatus.PARTLY_PAID: ~paid & Q(amount_paid__gt=0),
        PaymentStatus.UNPAID: ~paid & Q(amount_paid__lte=0),
    }[status]


def with_remaining(qs: QuerySet) -> QuerySet:
    return qs.annotate(remaining_credits=F("total") - F("held") - F("used"))


STATUS_ORDER = [
    PassStatus.ACTIVE,
    PassStatus.NOT_STARTED,
    PassStatus.USED_UP,
    PassStatus.EXPIRED,
    PassStatus.VOIDED,
]


def with_status_rank(qs: QuerySet, now: datetime) -> QuerySet:
    """Annotate a sortable status: active first, voided last."""
    return qs.annotate(
        status_rank=Case(
            *[When(status_condition(s, now), then=Value(i)) for i, s in enumerate(STATUS_ORDER)],
            output_field=IntegerField(),
        )
    )


PASS_SORTS = {
    "customer": ("customer__last_name", "customer__first_name"),
    "name": ("name",),
    "total": ("total",),
    "held": ("held",),
    "used": ("used",),
    "remaining": ("remaining_credits",),
    "expires_at": ("expires_at",),
    "purchased_at": ("purchased_at",),
    "price": ("price",),
    "paid": ("amount_paid",),
    "status": ("status_rank",),
    "id": ("id",),
}


def pass_ordering(sort: str) -> list | None:
    """Order for '-key' / 'key' (None if unknown); an unlimited pass (no total) counts as
    having the most credits, and a pass that never expires as expiring last."""
    key = sort.lstrip("-")
    if key not in PASS_SORTS:
        return None
    fields = [F(name) for name in PASS_SORTS[key]] + [F("id")]
    if sort.startswith("-"):
        return [f.desc(nulls_first=True) for f in fields]
    return [f.asc(nulls_last=True) for f in fields]


def filter_passes(
    qs: QuerySet,
    now: datetime,
    *,
    status: PassStatus | None = None,
    payment: PaymentStatus | None = None,
    customer_id: int | None = None,
    product_id: int | None = None,
    expires_by: datetime | None = None,
) -> QuerySet:
    """The Sales › Passes filters, shared by the back office and the API."""
    if status:
        qs = qs.filter(status_condition(PassStatus(status), now))
    if payment:
        qs = qs.filter(payment_condition(PaymentStatus(payment)))
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if product_id:
        qs = qs.filter(product_id=product_id)
    if expires_by:
        qs = qs.filter(expires_at__lte=expires_by)
    return with_status_rank(with_remaining(qs), now)


def sessions_with_places() -> QuerySet:
    """Sessions annotated with `booked` (live bookings) and `places_left`: what neither a
    booking nor an open waitlist offer holds."""
    from passbook import clock
    from passbook.models import Booking, Session, WaitlistEntry

    live = Count("bookings", filter=Q(bookings__status__in=Booking.LIVE))
    offers = (
        WaitlistEntry.objects.filter(
            session=OuterRef("pk"),
            status=WaitlistEntry.Status.OFFERED,
            offer_expires_at__gt=clock.now(),
        )
        .order_by()
        .values("session")
        .annotate(n=Count("id"))
        .values("n")
    )
    offered = Coalesce(Subquery(offers, output_field=IntegerField()), 0)
    # Meta.ordering does not apply to aggregate queries, so order here.
    return (
        Session.objects.select_related("class_type")
        .annotate(booked=live, places_left=F("capacity") - live - offered)
        .order_by("starts_at", "id")
    )


def seen_by_customer(sessions: QuerySet, customer_id: int) -> QuerySet:
    """The sessions a customer may see: public ones, and private appointments (Add
    Session) only while they hold a live booking in them."""
    from passbook.models import Booking

    theirs = Booking.objects.filter(
        session=OuterRef("pk"), customer_id=customer_id, status__in=Booking.LIVE
    )
    return sessions.filter(Q(private=False) | Q(Exists(theirs)))


def customers_matching(search: str, qs: QuerySet | None = None) -> QuerySet:
    """Customers (of `qs`, or all) whose name, email or phone contains every word searched
    (at most five)."""
    from passbook.models import Customer

    qs = Customer.objects.all() if qs is None else qs
    for word in search.split()[:5]:
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    return qs
