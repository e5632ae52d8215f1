"""Read-side filters shared by the API and the back office.

Status and payment status are derived, never stored (DESIGN.md §2); these express the
same rules as rules/status.py and rules/money.py as database conditions, so lists can
filter and page in the database.
"""

from datetime import datetime

from django.db.models import F, Q, QuerySet

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
