from django.core.management import call_command
from django.core.management.base import CommandError

from passbook import demo
from passbook.management.base import PassbookCommand
from passbook.services.verify import problems


class Command(PassbookCommand):
    help = "Load a realistic demo studio into an empty database and print its logins."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not demo.is_empty():
            raise CommandError(
                "The database already has data; the demo loads only into an empty one. "
                "Point DATABASE_URL at a new database or delete passbook.sqlite3."
            )
        studio = demo.build()
        out = self.stdout.write
        out(
            f"Demo studio loaded: {len(studio.customers)} customers, "
            f"{len(studio.products)} pass products."
        )
        out(f"Staff logins at /office/ (password '{demo.PASSWORD}'):")
        for username, role in studio.staff_logins:
            out(f"  {username:<10} {role}")
        out(f"Customer logins at /portal/ (password '{demo.PASSWORD}'):")
        for username, _password, name in studio.customer_logins:
            out(f"  {username:<26} {name}")
        bad = list(problems())
        if bad:
            raise CommandError(f"verify found {len(bad)} problem(s) in the demo data")
        out("verify: OK")
