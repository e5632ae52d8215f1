from django.conf import settings
from django.db import models
from django.db.models import Q

from passbook.models.fields import MoneyField
from passbook.models.people import Customer
from passbook.models.schedule import Session


class Booking(models.Model):
    """A customer in a session, paid by a pass (credits), as a drop-in, or complimentary."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ATTENDED = "attended", "Attended"
        CANCELLED = "cancelled", "Cancelled"
        LATE_CANCELLED = "late_cancelled", "Late cancelled"
        NO_SHOW = "no_show", "No-show"

    class PaidBy(models.TextChoices):
        PASS = "pass", "Pass"
        DROP_IN = "drop_in", "Drop-in"
        COMPLIMENTARY = "complimentary", "Complimentary"

    LIVE = (Status.BOOKED, Status.ATTENDED)

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="bookings")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    paid_by = models.CharField(max_length=16, choices=PaidBy.choices)
    customer_pass = models.ForeignKey(
        "passbook.Pass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    credits = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    price = MoneyField(help_text="Drop-in price; zero for pass and complimentary bookings.")
    created_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["session__starts_at", "id"]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["customer_pass", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "session"],
                condition=Q(status__in=["booked", "attended"]),
                name="one_live_booking_per_customer_session",
            ),
            models.CheckConstraint(
                condition=Q(paid_by="pass", customer_pass_id__isnull=False, credits__isnull=False)
                | (~Q(paid_by="pass") & Q(customer_pass_id__isnull=True)),
                name="booking_pass_matches_paid_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} in {self.session}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    @property
    def cost_label(self) -> str:
        """As on Managing Bookings: pass bookings show credits ("1.00 CR"), drop-ins money."""
        if self.paid_by == self.PaidBy.PASS:
            return f"{self.credits} CR"
        if self.paid_by == self.PaidBy.DROP_IN:
            return f"{self.price}"
        return "Complimentary"
