import time

from django.db import close_old_connections

from passbook.jobs import run_all
from passbook.management.base import PassbookCommand


class Command(PassbookCommand):
    help = "Run the jobs in a loop (`passbook run-jobs` every --every seconds)."
    reads_settings_once = False  # a studio's changed settings apply from the next round

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=60.0)

    def handle(self, *args, every: float, **options):
        while True:
            close_old_connections()  # survive a database restart between rounds
            started = time.monotonic()
            self.stdout.write(f"run-jobs: {run_all()}")
            time.sleep(max(0.0, every - (time.monotonic() - started)))
