import os

from django.core.management.base import CommandError

from passbook.management.base import PassbookCommand
from passbook.models import User
from passbook.services import staff

PASSWORD_VARIABLE = "PASSBOOK_OWNER_PASSWORD"


class Command(PassbookCommand):
    help = (
        "Create an owner login (the studio's first one), who then adds the other staff in "
        f"the back office. The password comes from ${PASSWORD_VARIABLE} or --password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--email", required=True, help="the owner's email; they sign in with it"
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password",
            help=f"the first password (better: set ${PASSWORD_VARIABLE}, which stays out of "
            "the process list and the shell's history)",
        )

    def handle(self, *args, email, first_name, last_name, password, **options):
        password = password or os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            raise CommandError(f"Give the password in ${PASSWORD_VARIABLE}, or with --password.")
        owner = staff.add(
            email=email,
            role=User.Role.OWNER,
            first_name=first_name,
            last_name=last_name,
            password=password,
        )
        self.stdout.write(f"Owner {owner.username} created; sign in at /office/.")
