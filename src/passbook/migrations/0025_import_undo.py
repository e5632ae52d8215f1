"""Undoing an import batch (services/import_undo.py).

The records an import made of bookings and subscriptions (which have no external id), the
batch's digest and when it was undone; and the ledger trigger, which now lets exactly one
kind of DELETE through: of an entry the batch being undone wrote (its reason names the
batch), on a pass the batch created or on one paying for a booking it created, the batch
being named in the transaction-local setting `passbook.undo_import_batch` that only
the undo sets (SET LOCAL). Every other UPDATE or DELETE is still rejected.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from passbook.migrations import _postgres

FORWARD = """
CREATE OR REPLACE FUNCTION passbook_ledger_append_only() RETURNS trigger AS $$
DECLARE
    undoing text := NULLIF(current_setting('passbook.undo_import_batch', true), '');
BEGIN
    IF TG_OP = 'DELETE' AND undoing IS NOT NULL
        AND starts_with(OLD.reason, 'import batch ' || undoing || ' (')
        AND (
            EXISTS (SELECT 1 FROM passbook_pass p
                    WHERE p.id = OLD.customer_pass_id AND p.import_batch_id::text = undoing)
            OR EXISTS (SELECT 1 FROM passbook_importedrecord r
                       JOIN passbook_booking b ON b.id = r.booking_id
                       WHERE r.batch_id::text = undoing
                         AND (b.id = OLD.booking_id OR b.customer_pass_id = OLD.customer_pass_id))
        )
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'the pass ledger is append-only: ' || TG_OP || ' rejected',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION passbook_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'the pass ledger is append-only: ' || TG_OP || ' rejected',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("passbook", "0024_cards_on_file")]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="digest",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="undone_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="undone_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="ImportedRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("booking", "Booking"),
                            ("subscription", "Subscription"),
                            ("plan", "Plan"),
                        ],
                        max_length=16,
                    ),
                ),
                ("external_id", models.CharField(max_length=100)),
                (
                    "batch",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="passbook.importbatch",
                    ),
                ),
                (
                    "booking",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="passbook.booking",
                    ),
                ),
                (
                    "subscription",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="passbook.subscription",
                    ),
                ),
                (
                    "plan",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="passbook.plan",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "external_id"), name="imported_record_external_id_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "booking"), ("plan", None), ("subscription", None)),
                            models.Q(("booking", None), ("kind", "subscription"), ("plan", None)),
                            models.Q(("booking", None), ("kind", "plan"), ("subscription", None)),
                            _connector="OR",
                        ),
                        name="imported_record_one_target",
                    ),
                ],
            },
        ),
        migrations.RunPython(_postgres.only(FORWARD), _postgres.only(BACKWARD)),
    ]
