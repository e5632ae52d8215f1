from passbook.management.base import PassbookCommand
from passbook.rules.wording import counted
from passbook.services import freezes


class Command(PassbookCommand):
    help = "Extend every live pass by N days (a studio closure), with a reason in each history."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True)
        parser.add_argument("--reason", required=True)

    def handle(self, *args, days: int, reason: str, **options):
        count = freezes.extend_all_active(days, reason=reason)
        self.stdout.write(f"Extended {counted(count, 'pass', 'passes')} by {counted(days, 'day')}.")
