import os
import sys

from django.core.management import call_command
from django.core.management.base import CommandError

from passbook.management.base import PassbookCommand


class Command(PassbookCommand):
    help = "Migrate, collect static files, then serve the app with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, bind, workers, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1", returncode=2)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"Passbook on http://{bind}/\n"
            f"  back office (staff):  http://{bind}/office/\n"
            f"  portal (customers):   http://{bind}/portal/\n"
            f"  API reference:        http://{bind}/api/v1/docs"
        )
        self.stdout.flush()  # exec replaces this process: unflushed output would be lost
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "passbook.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
        ]
        os.execv(sys.executable, argv)
