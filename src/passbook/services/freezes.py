"""Freezing a pass (holiday, injury) and extending every active pass (studio closure)."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet

from passbook import clock
from passbook.models import Booking, Business, Pass, PassFreeze, User
from passbook.rules.calendar import days_not_yet_covered, start_of_day
from passbook.rules.ledger import EntryKind
from passbook.rules.wording import counted
from passbook.services import errors, ledger, locks

REASON_MAX = 200  # the history line adds the dates in front (300 characters in all)


def _check_reason(reason: str, missing: str) -> None:
    if not reason.strip():
        raise errors.InvalidInput(missing, field="reason")
    if len(reason.strip()) > REASON_MAX:
        raise errors.InvalidInput(f"Keep the reason to {REASON_MAX} characters.", field="reason")


@transaction.atomic
def freeze(
    pass_id: int, *, starts_on: date, ends_on: date, reason: str, actor: User | None = None
) -> PassFreeze:
    """Put a pass on hold for whole days; its expiry moves later by the same number."""
    errors.check_days(starts_on=starts_on, ends_on=ends_on)
    if ends_on < starts_on:
        raise errors.InvalidInput("The freeze ends before it starts.", field="ends_on")
    _check_reason(reason, "Give a reason; it is kept in the pass history.")
    p = locks.pass_for_update(pass_id)
    if p.voided:
        raise errors.PassVoided()
    tz = Business.current().tz
    inside = p.bookings.filter(
        status=Booking.Status.BOOKED,
        session__starts_at__gte=start_of_day(starts_on, tz),
        session__starts_at__lt=start_of_day(ends_on + timedelta(days=1), tz),
    )
    if inside.exists():
        raise errors.BookingsInFreeze()
    earlier = list(p.freezes.values_list("starts_on", "ends_on"))
    days = days_not_yet_covered(earlier, starts_on, ends_on)
    if days == 0:
        raise errors.InvalidInput("The pass is already frozen on all of these days.")
    if p.expires_at is not None:
        p.expires_at += timedelta(days=days)
    made = PassFreeze.objects.create(
        customer_pass=p,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_at=clock.now(),
        created_by=actor,
    )
    ledger.append(
        p,
        EntryKind.VALIDITY,
        actor=actor,
        reason=f"frozen {starts_on}..{ends_on} (+{counted(days, 'day')}): {reason.strip()}",
    )
    return made


@transaction.atomic
def _extend(pass_id: int, days: int, reason: str, actor: User | None) -> bool:
    p = locks.pass_for_update(pass_id)
    if p.voided or p.expires_at is None or p.expires_at < clock.now():
        return False  # re-checked under the lock: it changed meanwhile
    p.expires_at += timedelta(days=days)
    ledger.append(p, EntryKind.VALIDITY, actor=actor, reason=f"+{counted(days, 'day')}: {reason}")
    return True


def extend_all_active(days: int, *, reason: str, actor: User | None = None) -> int:
    """Add `days` to every live pass that has an expiry (each pass in its own transaction,
    so a long run never holds many locks). Returns how many passes were extended."""
    if not 1 <= days <= 366:
        raise errors.InvalidInput("Extend by 1 to 366 days.", field="days")
    _check_reason(reason, "Give a reason, e.g. 'studio closed for renovation'.")
    return sum(
        _extend(pass_id, days, reason.strip(), actor)
        for pass_id in live_passes().values_list("id", flat=True).iterator()
    )


def live_passes() -> QuerySet[Pass]:
    """The passes a closure extends: not voided, with an expiry still ahead."""
    return Pass.objects.filter(voided_at__isnull=True, expires_at__gte=clock.now())
