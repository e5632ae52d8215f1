from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from passbook.prepared import Prepared
from passbook.rules.attendance import AttendanceWindow, attendance_window
from passbook.rules.spend import SpendOrder


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Europe/London).")


def retry_days(value: str) -> list[int]:
    """'1,3,7' as [1, 3, 7]: days after a renewal's first charge to try again."""
    days = [int(part) for part in value.replace(" ", "").split(",") if part]
    if any(b <= a for a, b in zip([0, *days], days, strict=False)) or any(d > 60 for d in days):
        raise ValueError(value)
    return days


def validate_retry_days(value: str) -> None:
    try:
        retry_days(value)
    except ValueError:
        raise ValidationError(
            "Whole days after the first try, rising, at most 60, e.g. 1,3,7 (empty: no retries)."
        ) from None


class CreditPolicy(models.TextChoices):
    CONSUME = "consume", "Consume the credit"
    RELEASE = "release", "Give the credit back"


class UnpaidPolicy(models.TextChoices):
    """What an unpaid pass may do until it is paid (pay at the desk, a declined renewal)."""

    USABLE = "usable", "Usable as usual"
    LIMITED = "limited", "Limited to a number of bookings"
    HOLD = "hold", "On hold until paid"


class Business(models.Model):
    """The studio's settings: one row."""

    name = models.CharField(max_length=200, default="My Studio")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    currency = models.CharField(max_length=3, default="USD")
    spend_order = models.CharField(
        max_length=20,
        choices=[(o.value, o.value.replace("_", " ").capitalize()) for o in SpendOrder],
        default=SpendOrder.OLDEST_PURCHASE,
    )
    late_cancel_hours = models.PositiveIntegerField(
        default=12, help_text="Cancelling less than this many hours before the start is late."
    )
    late_cancel_policy = models.CharField(
        max_length=10, choices=CreditPolicy.choices, default=CreditPolicy.CONSUME
    )
    no_show_policy = models.CharField(
        max_length=10, choices=CreditPolicy.choices, default=CreditPolicy.CONSUME
    )
    check_in_opens_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MaxValueValidator(24 * 60)],
        help_text="Check-in opens this many minutes before a session starts.",
    )
    attendance_closes_hours = models.PositiveIntegerField(
        default=24,
        validators=[MaxValueValidator(30 * 24)],
        help_text="Staff may check in, or undo a no-show, until this many hours after a "
        "session ends; then anyone not checked in is marked a no-show.",
    )
    waitlist_capacity = models.PositiveIntegerField(
        default=10,
        validators=[MaxValueValidator(1000)],
        help_text="How many people may wait for a full session (a session may say otherwise).",
    )
    waitlist_claim_minutes = models.PositiveIntegerField(
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text="Inside the late-cancel window a freed place is offered, not booked: how "
        "long the first in line has to claim it (never past the session's start).",
    )
    waitlist_holds_credit = models.BooleanField(
        default=False,
        help_text="Joining a waitlist holds a credit of the pass that would pay, until the "
        "customer is booked or stops waiting.",
    )

    pay_at_desk = models.BooleanField(
        default=True,
        help_text="Portal customers may buy a pass and pay at the desk. Turned off, they "
        "pay by card online (only when online payments are set up).",
    )
    payment_retry_days = models.CharField(
        max_length=60,
        default="1,3,7",
        validators=[validate_retry_days],
        help_text="A declined renewal is charged again this many days after the first "
        "try, comma-separated; after the last it is past due.",
    )

    # Unpaid passes (docs/payments.md, "Pay at the desk: limits" and "Unpaid renewals").
    unpaid_passes_per_customer = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="A customer buying in the portal or the API may owe money on at most this "
        "many passes at once. Empty: no cap. Staff sales at the desk are never capped.",
    )
    unpaid_pass_policy = models.CharField(
        "unpaid passes",
        max_length=10,
        choices=UnpaidPolicy.choices,
        default=UnpaidPolicy.USABLE,
        help_text="What a pass with money still owed on it may book until it is paid.",
    )
    unpaid_pass_bookings = models.PositiveIntegerField(
        "bookings while unpaid",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="With 'Limited to a number of bookings': how many sessions an unpaid pass "
        "may hold (booked or attended) before it is paid.",
    )

    class Meta:
        verbose_name_plural = "business"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.unpaid_pass_policy == UnpaidPolicy.LIMITED and self.unpaid_pass_bookings is None:
            raise ValidationError(
                {"unpaid_pass_bookings": "Say how many sessions an unpaid pass may book."}
            )

    @property
    def unpaid_booking_limit(self) -> int | None:
        """How many live bookings an unpaid pass may hold: None = no limit, 0 = none."""
        if self.unpaid_pass_policy == UnpaidPolicy.HOLD:
            return 0
        if self.unpaid_pass_policy == UnpaidPolicy.LIMITED:
            return self.unpaid_pass_bookings
        return None

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def attendance_window(self, starts_at: datetime, ends_at: datetime) -> AttendanceWindow:
        return attendance_window(
            starts_at,
            ends_at,
            opens_before=timedelta(minutes=self.check_in_opens_minutes),
            closes_after=timedelta(hours=self.attendance_closes_hours),
        )

    @classmethod
    def current(cls) -> "Business":
        kept = _kept.get()
        if kept:
            return kept[0]
        found = _THE_BUSINESS.objects()
        business = found[0] if found else cls.objects.get_or_create(pk=1)[0]
        if kept is not None:
            kept.append(business)
        return business

    @classmethod
    @contextmanager
    def kept(cls) -> Iterator[None]:
        """Within this block (a request, a use case, a job run), current() reads the row
        at most once (the block's own edits go to the same object); blocks that never ask
        never read it. Nested blocks share the outermost one's row."""
        if _kept.get() is not None:
            yield
            return
        token = _kept.set([])
        try:
            yield
        finally:
            _kept.reset(token)


_THE_BUSINESS = Prepared(lambda: Business.objects.filter(pk=1))  # read on every use case
_kept: ContextVar[list[Business] | None] = ContextVar("kept_business", default=None)
