from django.core.management.base import CommandError

from passbook import clock
from passbook.management.base import PassbookCommand
from passbook.models import ApiToken


class Command(PassbookCommand):
    help = "Revoke a staff API token by its id."

    def add_arguments(self, parser):
        parser.add_argument("token_id", type=int)

    def handle(self, *args, token_id, **options):
        revoked = ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(
            revoked_at=clock.now()
        )
        if not revoked:
            raise CommandError(f"No live token with id {token_id}.")
        self.stdout.write(f"Token {token_id} revoked.")
