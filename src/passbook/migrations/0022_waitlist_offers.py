import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("passbook", "0021_online_payments")]

    operations = [
        migrations.RemoveConstraint(
            model_name="waitlistentry",
            name="one_waiting_entry_per_customer_session",
        ),
        migrations.AddField(
            model_name="business",
            name="waitlist_claim_minutes",
            field=models.PositiveIntegerField(
                default=120,
                help_text="Inside the late-cancel window a freed place is offered, not booked: "
                "how long the first in line has to claim it (never past the session's start).",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(10080),
                ],
            ),
        ),
        migrations.AddField(
            model_name="waitlistentry",
            name="offer_expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="While offered: the place is held for them until then.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="waitlistentry",
            name="status",
            field=models.CharField(
                choices=[
                    ("waiting", "Waiting"),
                    ("promoted", "Promoted"),
                    ("left", "Left"),
                    ("removed", "Removed by staff"),
                    ("booked_elsewhere", "Booked into an overlapping session"),
                    ("offered", "Offered a place"),
                    ("declined", "Declined the offer"),
                    ("offer_expired", "Offer not claimed in time"),
                ],
                default="waiting",
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="waitlistentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["waiting", "offered"])),
                fields=("customer", "session"),
                name="one_waiting_entry_per_customer_session",
            ),
        ),
    ]
