from datetime import date

from django.core.management.base import CommandError

from passbook.management.base import PassbookCommand
from passbook.services.reconcile import reconcile


class Command(PassbookCommand):
    help = (
        "Compare Stripe's charges and refunds with the online payments recorded here, for "
        "the days FROM to TO (both included); print each difference; exit 1 on any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
        parser.add_argument("--to", dest="last", type=date.fromisoformat, required=True)

    def handle(self, *args, first: date, last: date, **options):
        if last < first:
            raise CommandError("--to is before --from.")
        found = reconcile(first, last)
        for difference in found:
            self.stdout.write(str(difference))
        if found:
            raise CommandError(f"reconcile-payments: {len(found)} difference(s)", returncode=1)
        self.stdout.write(f"reconcile-payments: OK — Stripe and Passbook agree, {first} to {last}.")
