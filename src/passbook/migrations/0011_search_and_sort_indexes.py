"""Indexes found by the 100k-customer benchmark (docs/benchmarks.md).

- Sales › Passes pages through passes in (expires_at, id) or (purchased_at, id) order:
  with these the page is an index walk instead of a sort of every pass.
- Searching customers by name, email or phone (`icontains`, i.e. UPPER(col) LIKE
  '%word%') uses trigram indexes on PostgreSQL instead of reading every customer.
  SQLite has no trigram index; there the search stays a scan.
"""

from django.db import migrations, models

from passbook.migrations import _postgres

SEARCHED = ["first_name", "last_name", "email", "phone"]

FORWARD = "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n" + "".join(
    f"CREATE INDEX passbook_customer_{column}_trgm ON passbook_customer"
    f" USING gin (UPPER({column}::text) gin_trgm_ops);\n"
    for column in SEARCHED
)
BACKWARD = "".join(f"DROP INDEX passbook_customer_{column}_trgm;\n" for column in SEARCHED)


class Migration(migrations.Migration):
    dependencies = [("passbook", "0010_voucher_sales")]

    operations = [
        migrations.RemoveIndex(model_name="pass", name="passbook_pa_expires_8092f2_idx"),
        migrations.AddIndex(
            model_name="pass",
            index=models.Index(fields=["expires_at", "id"], name="passbook_pa_expires_afa177_idx"),
        ),
        migrations.AddIndex(
            model_name="pass",
            index=models.Index(fields=["purchased_at", "id"], name="passbook_pa_purchas_798c8e_idx"),
        ),
        migrations.RunPython(_postgres.only(FORWARD), _postgres.only(BACKWARD)),
    ]
