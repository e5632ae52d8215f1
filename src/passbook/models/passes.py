from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from passbook.models.bookings import Booking
from passbook.models.catalog import PassProduct, StartRule
from passbook.models.fields import CreditField, MoneyField
from passbook.models.people import Customer
from passbook.rules import ledger
from passbook.rules.calendar import Validity, ValidityUnit


class Pass(models.Model):
    """One purchase by one customer, with a snapshot of its product's rules."""

    class Source(models.TextChoices):
        SALE = "sale", "Sale"
        SUBSCRIPTION = "subscription", "Subscription"
        STAFF_GRANT = "staff_grant", "Staff grant"
        VOUCHER = "voucher", "Voucher"
        IMPORT = "import", "Import"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="passes")
    product = models.ForeignKey(PassProduct, on_delete=models.PROTECT, related_name="passes")
    name = models.CharField(max_length=120)
    # Counters: changed only together with an appended PassEntry (services.ledger).
    total = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    held = CreditField()
    used = CreditField()
    starts_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    # Snapshot of the product's rules at purchase.
    start_rule = models.CharField(max_length=16, choices=StartRule.choices)
    validity_unit = models.CharField(max_length=10, blank=True)
    validity_count = models.PositiveIntegerField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    priority = models.IntegerField(default=0)
    category_ids = models.JSONField(default=list, blank=True)
    class_type_ids = models.JSONField(default=list, blank=True)
    restriction_label = models.CharField(max_length=200, blank=True)
    max_per_day = models.PositiveIntegerField(null=True, blank=True)
    max_per_week = models.PositiveIntegerField(null=True, blank=True)
    # Money: amount_paid is the sum of this pass's payments less refunds.
    price = MoneyField()
    amount_paid = MoneyField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SALE)
    purchased_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the record came from another system (`passbook import`): the id it had
    # there, and the import that created it.
    external_id = models.CharField(max_length=100, blank=True, default="")
    import_batch = models.ForeignKey(
        "passbook.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "passes"
        ordering = ["purchased_at", "id"]
        indexes = [
            models.Index(fields=["customer", "purchased_at"]),
            # Sales › Passes pages in (expires_at, id) and (purchased_at, id) order.
            models.Index(fields=["expires_at", "id"]),
            models.Index(fields=["purchased_at", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(held__lte=F("total") - F("used")),
                name="pass_remaining_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(held__gte=0) & Q(used__gte=0), name="pass_counters_not_negative"
            ),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="pass_paid_not_negative"),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="pass_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.customer}"

    @property
    def unlimited(self) -> bool:
        return self.total is None

    @property
    def remaining(self) -> Decimal | None:
        return ledger.remaining(self.total, self.held, self.used)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def validity(self) -> Validity:
        unit = ValidityUnit(self.validity_unit) if self.validity_unit else None
        return Validity(unit, self.validity_count, self.valid_until)

    @property
    def counters(self) -> ledger.Counters:
        return ledger.Counters(
            self.total, self.held, self.used, self.starts_at, self.expires_at, self.voided
        )


class PassEntry(models.Model):
    """The append-only ledger. On PostgreSQL a trigger rejects UPDATE and DELETE."""

    customer_pass = models.ForeignKey(Pass, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=[(k.value, k.value) for k in ledger.EntryKind])
    amount = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="pass_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "pass entries"
        indexes = [  # the expiry job's "is this expiry recorded yet?", a probe per pass
            models.Index(
                fields=["customer_pass", "-id"],
                condition=Q(kind__in=[ledger.EntryKind.FORFEIT, ledger.EntryKind.VALIDITY]),
                name="passentry_expiry_marks",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount or ''} on pass {self.customer_pass_id}"

    @property
    def as_rule(self) -> ledger.Entry:
        return ledger.Entry(
            ledger.EntryKind(self.kind), self.amount, self.starts_at, self.expires_at
        )


class PassFreeze(models.Model):
    """Days a pass is on hold (holiday, injury): it cannot pay for sessions on them, and
    its expiry moved later by as many days when the freeze was made."""

    customer_pass = models.ForeignKey(Pass, on_delete=models.PROTECT, related_name="freezes")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="freeze_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_pass_id} frozen {self.starts_on}..{self.ends_on}"
