from passbook.jobs import run_all
from passbook.management.base import PassbookCommand


class Command(PassbookCommand):
    help = (
        "Do all due work once: forfeit expired credits, mark no-shows, send expiry "
        "notices, deliver notifications. Safe to run every minute and concurrently."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"run-jobs: {run_all()}")
