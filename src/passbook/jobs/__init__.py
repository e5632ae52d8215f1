"""Clock-driven work. `run_all()` does everything due, once; it is safe to run every
minute from cron and concurrently with itself: each item is re-checked under a lock by
the service that handles it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import F, Q

from passbook import clock
from passbook.models import (
    Attempt,
    Booking,
    Business,
    IdempotencyRecord,
    Pass,
    VoucherAttempt,
)
from passbook.services import bookings, expiry, notifications, subscriptions, throttle, vouchers
from passbook.services.errors import DomainError


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, job: str, n: int) -> None:
        self.counts[job] = self.counts.get(job, 0) + n

    def __str__(self) -> str:
        return ", ".join(f"{job}: {n}" for job, n in self.counts.items())


BATCH = 500


def _in_batches(work: Callable[[list[int]], int], ids: list[int]) -> int:
    """Hand `ids` to `work` a batch at a time (one transaction each); sum what it returns."""
    return sum(work(ids[i : i + BATCH]) for i in range(0, len(ids), BATCH))


def expire_passes(report: Report) -> None:
    """Forfeit the credits of passes that have expired, a batch per transaction."""
    ids = list(expiry.due().order_by("id").values_list("id", flat=True))
    report.add("forfeits", _in_batches(expiry.forfeit, ids))


def mark_no_shows(report: Report) -> None:
    """Bookings still 'booked' once attendance for their session has closed."""
    closes_after = timedelta(hours=Business.current().attendance_closes_hours)
    due = Booking.objects.filter(
        status=Booking.Status.BOOKED, session__ends_at__lt=clock.now() - closes_after
    )
    marked = 0
    for booking_id in due.values_list("id", flat=True).iterator():
        try:
            bookings.mark_no_show(booking_id)
            marked += 1
        except DomainError:
            pass  # checked in or cancelled meanwhile (another run, or the desk)
    report.add("no-shows", marked)


def warn_expiring(report: Report) -> None:
    """Tell customers once when a pass with credits left expires within N days."""
    now = clock.now()
    soon = now + timedelta(days=settings.PASSBOOK_EXPIRING_NOTICE_DAYS)
    due = (
        Pass.objects.select_related("customer")
        .filter(voided_at__isnull=True, expires_at__gte=now, expires_at__lte=soon)
        .filter(Q(total__isnull=True) | Q(total__gt=F("held") + F("used")))
    )
    for p in due.iterator():
        notifications.pass_expiring(p)
    report.add("expiry notices", due.count())


def renew_subscriptions(report: Report) -> None:
    """Issue each due period's pass (exactly once, even when runs overlap), a batch of
    subscriptions per transaction."""
    report.add("renewals", _in_batches(subscriptions.renew, subscriptions.due_ids()))


def pass_on_offers(report: Report) -> None:
    """Waitlist offers not claimed by their cut-off: the place goes to the next in line
    (one transaction per session)."""
    from passbook.services import waitlists

    ended = 0
    for session_id in waitlists.lapsed_offer_session_ids():
        try:
            ended += waitlists.pass_on_offers(session_id)
        except DomainError:
            continue  # busy (the session is locked by a booking): the next run passes it on
    report.add("waitlist offers lapsed", ended)


def deliver(report: Report) -> None:
    sent, failed = notifications.deliver()
    report.add("sent", sent)
    report.add("failed", failed)


def prune(report: Report) -> None:
    """Forget what no longer serves: idempotency records past their guaranteed life,
    voucher guesses, sign-ups, resets and login attempts past their throttling window,
    and the login log past its keeping period."""
    now = clock.now()
    keep_keys = timedelta(hours=max(24, settings.PASSBOOK_KEEP_IDEMPOTENCY_HOURS))
    lockout = timedelta(hours=settings.AXES_COOLOFF_TIME)
    login_log = timedelta(days=settings.PASSBOOK_KEEP_LOGIN_LOG_DAYS)
    report.add(
        "pruned",
        sum(
            qs.delete()[0]
            for qs in (
                IdempotencyRecord.objects.filter(created_at__lt=now - keep_keys),
                VoucherAttempt.objects.filter(at__lt=now - vouchers.WINDOW),
                Attempt.objects.filter(at__lt=now - throttle.LONGEST_WINDOW),
                AccessAttempt.objects.filter(attempt_time__lt=now - lockout),
                AccessFailureLog.objects.filter(attempt_time__lt=now - login_log),
                AccessLog.objects.filter(attempt_time__lt=now - login_log),
            )
        ),
    )


def release_unpaid_checkouts(report: Report) -> None:
    """Card purchases not paid in time give back their pass and places (when Stripe is on)."""
    from passbook.payment_providers import stripe_configured
    from passbook.services import online_payments

    if stripe_configured():
        released = sum(online_payments.release(i) for i in online_payments.unpaid_checkout_ids())
        report.add("unpaid card purchases released", released)


def charge_renewals(report: Report) -> None:
    """Charge unpaid renewal passes to cards on file, and retry declined ones on the
    studio's schedule (when Stripe is set up). Each attempt is asked of Stripe once."""
    from passbook.payment_providers import stripe_configured
    from passbook.services import cards_on_file

    if stripe_configured():
        charged = sum(cards_on_file.charge(i) for i in cards_on_file.due_renewal_ids())
        report.add("renewal charges", charged)


def reconcile_payments(report: Report) -> None:
    """Once a day, compare yesterday's card payments with Stripe's (when it is set up)."""
    from passbook.services import reconcile

    found = reconcile.daily()
    if found is not None:
        report.add("payment differences", found)


JOBS = [
    expire_passes,
    mark_no_shows,
    renew_subscriptions,
    charge_renewals,
    warn_expiring,
    pass_on_offers,
    deliver,
    prune,
    release_unpaid_checkouts,
    reconcile_payments,
]


def run_all() -> Report:
    report = Report()
    with Business.kept():  # one read of the settings per run, not one per item
        for job in JOBS:
            job(report)
    return report
