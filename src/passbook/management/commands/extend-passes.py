from django.core.management.base import BaseCommand, CommandError

from passbook.services import freezes
from passbook.services.errors import DomainError


class Command(BaseCommand):
    help = "Extend every live pass by N days (a studio closure), with a reason in each history."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True)
        parser.add_argument("--reason", required=True)

    def handle(self, *args, days: int, reason: str, **options):
        try:
            count = freezes.extend_all_active(days, reason=reason)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Extended {count} passes by {days} days.")
