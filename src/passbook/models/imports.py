from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """One committed `passbook import` (or upload): the records it created point here, and
    their ledger entries name it, so a batch can be traced, and undone while nothing has
    happened to its records since (services/import_undo.py)."""

    source = models.CharField(max_length=40, help_text="The preset: generic, mindbody …")
    files = models.CharField(max_length=500, blank=True, help_text="The file names read.")
    created = models.JSONField(default=dict, blank=True, help_text="Counts by kind.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A digest of the batch's records as written: a different digest later means someone
    # edited one of them (the models keep no "updated at"), so the batch is no longer undone.
    digest = models.CharField(max_length=64, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"import {self.id} ({self.source})"

    @property
    def label(self) -> str:
        """How the batch's ledger entries and payments name it."""
        return f"import batch {self.id} ({self.source})"

    @property
    def summary(self) -> str:
        """What it created: "3 customers, 4 passes"."""
        return ", ".join(f"{n} {kind}" for kind, n in self.created.items() if n) or "nothing"


class ImportedRecord(models.Model):
    """A booking, subscription or plan an import created, by the id it had in the other
    system (a plan: its name): those models have no external id of their own, and this is
    what a second import of the same file matches, and what an undo deletes."""

    class Kind(models.TextChoices):
        BOOKING = "booking", "Booking"
        SUBSCRIPTION = "subscription", "Subscription"
        PLAN = "plan", "Plan"

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    external_id = models.CharField(max_length=100)
    booking = models.OneToOneField(
        "passbook.Booking", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subscription = models.OneToOneField(
        "passbook.Subscription", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.OneToOneField(
        "passbook.Plan", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "external_id"], name="imported_record_external_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="booking", subscription=None, plan=None)
                | models.Q(kind="subscription", booking=None, plan=None)
                | models.Q(kind="plan", booking=None, subscription=None),
                name="imported_record_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id} ({self.batch})"
