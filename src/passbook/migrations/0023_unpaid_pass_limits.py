import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("passbook", "0022_waitlist_offers")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="business",
            name="unpaid_pass_bookings",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="With 'Limited to a number of bookings': how many sessions an unpaid "
                "pass may hold (booked or attended) before it is paid.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(1000),
                ],
                verbose_name="bookings while unpaid",
            ),
        ),
        migrations.AddField(
            model_name="business",
            name="unpaid_pass_policy",
            field=models.CharField(
                choices=[
                    ("usable", "Usable as usual"),
                    ("limited", "Limited to a number of bookings"),
                    ("hold", "On hold until paid"),
                ],
                default="usable",
                help_text="What a pass with money still owed on it may book until it is paid.",
                max_length=10,
                verbose_name="unpaid passes",
            ),
        ),
        migrations.AddField(
            model_name="business",
            name="unpaid_passes_per_customer",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="A customer buying in the portal or the API may owe money on at most "
                "this many passes at once. Empty: no cap. Staff sales at the desk are never "
                "capped.",
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(100),
                ],
            ),
        ),
    ]
