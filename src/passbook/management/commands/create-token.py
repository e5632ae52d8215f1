from django.core.management.base import CommandError

from passbook.management.base import PassbookCommand
from passbook.models import ApiToken, User
from passbook.models.people import at_least


class Command(PassbookCommand):
    help = "Create a staff API token and print it once (only a digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            choices=User.Role.values,
            help="the token's role (default: the user's own; never above it)",
        )
        parser.add_argument("--user", help="existing staff username (default: api-<role>)")
        parser.add_argument("--name", default="", help="a label, e.g. 'website'")

    def handle(self, *args, role, user, name, **options):
        if user:
            owner = User.objects.filter(username=user, is_active=True).first()
            if owner is None or not owner.role:
                raise CommandError(f"No active staff user named {user!r}.")
            role = role or owner.role
            if not at_least(owner.role, role):
                raise CommandError(
                    f"{owner.username} is {owner.get_role_display().lower()}; "
                    f"a token cannot have a higher role than its user."
                )
        elif role:
            owner, _ = User.objects.get_or_create(username=f"api-{role}", defaults={"role": role})
        else:
            raise CommandError("Give --role, or --user to use that staff member's role.")
        token, raw = ApiToken.issue(owner, role, name)
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.id} for {owner.username} ({role}); keep it safe, "
            "it is not shown again. Revoke with: passbook revoke-token "
            f"{token.id}"
        )
