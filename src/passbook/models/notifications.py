from django.db import models

from passbook.models.people import Customer


class Notification(models.Model):
    """The outbox: written in the same transaction as the event, delivered by the jobs.

    `key` makes an event notify once ("expiring:pass 7:2026-12-01"); a delivery that fails
    is retried later, so nothing is lost when the mail server is down.
    """

    class Kind(models.TextChoices):
        BOOKING_CONFIRMED = "booking_confirmed", "Booking confirmed"
        BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
        PASS_PURCHASED = "pass_purchased", "Pass purchased"
        PASS_EXPIRING = "pass_expiring", "Pass expiring soon"
        ONE_CREDIT_LEFT = "one_credit_left", "One credit left"
        RENEWAL_ISSUED = "renewal_issued", "Renewal issued"
        CONFIRM_EMAIL = "confirm_email", "Confirm your email"
        ACCOUNT_EXISTS = "account_exists", "Sign-up with a known email"
        PASSWORD_RESET = "password_reset", "Password reset"
        STAFF_INVITE = "staff_invite", "Staff invitation"
        WAITLIST_PROMOTED = "waitlist_promoted", "Promoted from the waitlist"
        WAITLIST_SKIPPED = "waitlist_skipped", "Passed over on the waitlist"
        WAITLIST_OFFERED = "waitlist_offered", "Offered a waitlist place"
        PAYMENT_FAILED = "payment_failed", "Card payment declined"
        GIFT_VOUCHER = "gift_voucher", "Gift voucher bought online"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="None for a message to a staff login (a password reset).",
    )
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="Next delivery attempt.")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"
