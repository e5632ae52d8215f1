from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """One committed `passbook import` (or upload): the records it created point here, and
    their ledger entries name it, so a batch can be traced (and later undone)."""

    source = models.CharField(max_length=40, help_text="The preset: generic, mindbody …")
    files = models.CharField(max_length=500, blank=True, help_text="The file names read.")
    created = models.JSONField(default=dict, blank=True, help_text="Counts by kind.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
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
