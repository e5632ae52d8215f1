from django.core.management.base import BaseCommand

from passbook.jobs import run_all


class Command(BaseCommand):
    help = (
        "Do all due work once: forfeit expired credits, mark no-shows, send expiry "
        "notices, deliver notifications. Safe to run every minute and concurrently."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"run-jobs: {run_all()}")
