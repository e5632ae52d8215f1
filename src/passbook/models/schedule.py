from django.db import models

from passbook.models.catalog import ClassType, Resource
from passbook.models.fields import CreditField
from passbook.models.people import Staff


class SessionSeries(models.Model):
    """A weekly recurrence that generated sessions (RFC 5545 rule, via python-dateutil)."""

    class_type = models.ForeignKey(ClassType, on_delete=models.PROTECT)
    rule = models.TextField(help_text="RRULE text, e.g. FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=…")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "session series"

    def __str__(self) -> str:
        return f"{self.class_type} {self.rule}"


class Session(models.Model):
    """One scheduled occurrence of a class type. Capacity 1 makes it an appointment; a
    private one (Add Session, made for one customer) is not on the public timetable."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    class_type = models.ForeignKey(ClassType, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    capacity = models.PositiveIntegerField()
    credit_cost = CreditField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    private = models.BooleanField(
        default=False,
        help_text="Made for one customer (Add Session): customers see it only if booked in it.",
    )
    series = models.ForeignKey(
        SessionSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    waitlist_capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: the studio's default waitlist capacity."
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="session_capacity_1"),
            models.CheckConstraint(
                condition=models.Q(credit_cost__gte=0), name="session_credit_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.class_type} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED
