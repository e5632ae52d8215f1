import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connection

from passbook.dbtools import pg_env
from passbook.management.base import PassbookCommand


class Command(PassbookCommand):
    help = "Write a consistent backup of the database to FILE (SQLite file, or pg_dump -Fc)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if file.exists():
            raise CommandError(f"{file} exists; choose a new file name.")
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(file) as target:  # the online backup API: consistent copy
                connection.connection.backup(target)
        elif connection.vendor == "postgresql":
            flags, env = pg_env(connection.settings_dict)
            name = connection.settings_dict["NAME"]
            done = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(file), *flags, name],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode:
                raise CommandError(f"pg_dump failed: {done.stderr.strip()}")
        else:
            raise CommandError(f"No backup method for {connection.vendor}.")
        self.stdout.write(f"Backup written to {file}")
