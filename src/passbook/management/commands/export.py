from pathlib import Path

from django.core.management.base import CommandError

from passbook import clock
from passbook.management.base import PassbookCommand
from passbook.services import exports


class Command(PassbookCommand):
    help = (
        "Write everything (customers, products, passes with their ledger, bookings, "
        "payments, subscriptions, vouchers, credit notes) as a zip of CSV files with a README."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="the zip to write (default: dated name)")

    def handle(self, *args, out: Path | None, **options):
        out = out or Path(f"passbook-export-{clock.now().date().isoformat()}.zip")
        if out.exists():
            raise CommandError(f"{out} exists; choose a new file name.")
        partial = out.with_name(out.name + ".partial")
        with partial.open("wb") as target:
            counts = exports.write_zip(target)
        partial.rename(out)
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(f"Export written to {out}: {summary}.")
