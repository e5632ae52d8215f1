"""The base of every `passbook` command."""

from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError

from passbook.models import Business
from passbook.services.errors import DomainError

# The exit status of a refused request (argparse uses 2 for bad arguments).
DOMAIN_ERROR_EXIT = 1


class PassbookCommand(BaseCommand):
    """A domain error ends the command with one plain line on stderr, its stable code in
    brackets, and a non-zero exit status: never a traceback (`--traceback` still shows it).
    A command reads the business settings once, like a request, unless it runs for ever
    (the worker reads them afresh each round)."""

    reads_settings_once = True

    def execute(self, *args, **options):
        try:
            with Business.kept() if self.reads_settings_once else nullcontext():
                return super().execute(*args, **options)
        except DomainError as exc:
            if options.get("traceback"):
                raise
            raise CommandError(
                f"{exc.message} [{exc.code}]", returncode=DOMAIN_ERROR_EXIT
            ) from None
