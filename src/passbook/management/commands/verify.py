from django.core.management.base import CommandError

from passbook.management.base import PassbookCommand
from passbook.models import Pass
from passbook.services.verify import problems


class Command(PassbookCommand):
    help = "Recompute every pass from its ledger and check the invariants; exit 1 on any problem."

    def handle(self, *args, **options):
        found = 0
        for problem in problems():
            found += 1
            self.stderr.write(str(problem))
        if found:
            raise CommandError(f"verify: {found} problem(s) found", returncode=1)
        count = Pass.objects.count()
        self.stdout.write(
            f"verify: OK — {count} passes agree with their ledgers; "
            "no pass below zero, no session over capacity."
        )
