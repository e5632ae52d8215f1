from django.conf import settings
from django.db import models

from passbook.models.catalog import PassProduct
from passbook.models.fields import MoneyField
from passbook.models.people import Customer


class Plan(models.Model):
    """A recurring pass: a product, an interval and a price per period."""

    class Interval(models.TextChoices):
        WEEK = "week", "Weekly"
        MONTH = "month", "Monthly"
        YEAR = "year", "Yearly"

    name = models.CharField(max_length=120)
    product = models.ForeignKey(PassProduct, on_delete=models.PROTECT, related_name="plans")
    interval = models.CharField(max_length=8, choices=Interval.choices)
    price = MoneyField()
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    anchor = models.DateField(help_text="Periods are counted from this day (no month drift).")
    period_start = models.DateField(help_text="First day of the current period.")
    period_end = models.DateField(help_text="First day after the current period.")
    cancel_at_period_end = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.plan} for {self.customer}"


class Renewal(models.Model):
    """One issued period. The unique constraint makes a period issue at most one pass,
    whatever runs the job and however often."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="renewals"
    )
    period_start = models.DateField()
    issued_pass = models.OneToOneField(
        "passbook.Pass", on_delete=models.PROTECT, related_name="renewal"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start"], name="one_pass_per_subscription_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription} from {self.period_start}"
