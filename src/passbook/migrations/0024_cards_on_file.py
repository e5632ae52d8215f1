from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

import passbook.models.business


class Migration(migrations.Migration):
    dependencies = [("passbook", "0023_unpaid_pass_limits")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="business",
            name="payment_retry_days",
            field=models.CharField(
                default="1,3,7",
                help_text="A declined renewal is charged again this many days after the first try, comma-separated; after the last it is past due.",
                max_length=60,
                validators=[passbook.models.business.validate_retry_days],
            ),
        ),
        migrations.CreateModel(
            name="CardOnFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stripe_customer_id", models.CharField(blank=True, default="", max_length=100)),
                ("setup_intent_id", models.CharField(blank=True, default="", help_text="The latest card setup started.", max_length=100)),
                ("setup_secret", models.CharField(blank=True, default="", max_length=200)),
                ("payment_method_id", models.CharField(blank=True, default="", max_length=100)),
                ("brand", models.CharField(blank=True, default="", max_length=20)),
                ("last4", models.CharField(blank=True, default="", max_length=4)),
                ("exp_month", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("exp_year", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("saved_at", models.DateTimeField(blank=True, null=True)),
                ("customer", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="card_on_file", to="passbook.customer")),
            ],
        ),
        migrations.CreateModel(
            name="RenewalCharge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("amount", models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=12)),
                ("currency", models.CharField(max_length=3)),
                ("status", models.CharField(choices=[("pending", "Charging"), ("succeeded", "Paid"), ("failed", "Declined, will retry"), ("past_due", "Past due"), ("not_needed", "Paid otherwise")], default="pending", max_length=10)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("intent_id", models.CharField(blank=True, default="", max_length=100)),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("last_failure", models.CharField(blank=True, default="", max_length=300)),
                ("created_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                ("renewal", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="charge", to="passbook.renewal")),
            ],
            options={
                "indexes": [models.Index(fields=["status", "next_attempt_at"], name="passbook_re_status_8d8b37_idx")],
                "constraints": [models.UniqueConstraint(condition=models.Q(("intent_id", ""), _negated=True), fields=("intent_id",), name="renewal_charge_intent_unique")],
            },
        ),
    ]
