from django.db import models
from django.db.models import Q

from passbook.models.people import Customer
from passbook.models.schedule import Session


class WaitlistEntry(models.Model):
    """A customer waiting for a place in a full session. The list's order is joined_at,
    then id; a freed place goes to the first waiting entry that can pay at that moment."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        PROMOTED = "promoted", "Promoted"
        LEFT = "left", "Left"
        REMOVED = "removed", "Removed by staff"
        BOOKED_ELSEWHERE = "booked_elsewhere", "Booked into an overlapping session"
        OFFERED = "offered", "Offered a place"
        DECLINED = "declined", "Declined the offer"
        OFFER_EXPIRED = "offer_expired", "Offer not claimed in time"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="waitlist")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="waitlist")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    joined_at = models.DateTimeField()
    auto_promote_late = models.BooleanField(
        default=False,
        help_text="Book me automatically even inside the late-cancel window.",
    )
    drop_in = models.BooleanField(
        default=False, help_text="Pay the drop-in price if no pass can pay when promoted."
    )
    skip_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the last promotion passed this entry by."
    )
    skipped_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="While offered: the place is held for them until then."
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    booking = models.ForeignKey(
        "passbook.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # With the studio's waitlist_holds_credit: the ledger's HOLD of a credit for this wait,
    # and the RELEASE that gave it back (on leaving, or moved to the booking on promotion).
    credit_hold = models.OneToOneField(
        "passbook.PassEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_release = models.OneToOneField(
        "passbook.PassEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # On the list: waiting, or holding an offered place (one such entry per session).
    OPEN = (Status.WAITING, Status.OFFERED)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            models.Index(fields=["session", "status", "joined_at"]),
            models.Index(fields=["customer", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "session"],
                condition=Q(status__in=["waiting", "offered"]),
                name="one_waiting_entry_per_customer_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} waiting for {self.session}"

    @property
    def holds_credit(self) -> bool:
        """A credit is held for this wait (and not given back yet)."""
        return self.credit_hold_id is not None and self.credit_release_id is None
