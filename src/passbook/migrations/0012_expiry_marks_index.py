"""The expiry job lists only passes whose expiry is not recorded yet: for each expired pass
with credits left it asks whether the last FORFEIT or VALIDITY entry is a FORFEIT. This
small partial index answers that with one probe, instead of reading the pass's whole
history (passes that expired long ago with credits left stay expired for ever).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("passbook", "0011_search_and_sort_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="passentry",
            index=models.Index(
                condition=models.Q(("kind__in", ["forfeit", "validity"])),
                fields=["customer_pass", "-id"],
                name="passentry_expiry_marks",
            ),
        ),
    ]
