from django.core.management.base import CommandError

from passbook.management.base import PassbookCommand
from passbook.models import ApiToken, User


class Command(PassbookCommand):
    help = "Create a staff API token and print it once (only a digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=User.Role.values)
        parser.add_argument("--user", help="existing staff username (default: api-<role>)")
        parser.add_argument("--name", default="", help="a label, e.g. 'website'")

    def handle(self, *args, role, user, name, **options):
        if user:
            owner = User.objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user named {user!r}.")
        else:
            owner, _ = User.objects.get_or_create(username=f"api-{role}", defaults={"role": role})
        token, raw = ApiToken.issue(owner, role, name)
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.id} for {owner.username} ({role}); keep it safe, "
            "it is not shown again. Revoke with: passbook revoke-token "
            f"{token.id}"
        )
