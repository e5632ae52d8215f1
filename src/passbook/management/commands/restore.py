import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg
from dj_database_url import DBConfig
from django.core.management.base import CommandError

from passbook.dbtools import pg_env
from passbook.management.base import PassbookCommand


class Command(PassbookCommand):
    help = (
        "Restore a backup into a fresh database (given as a DATABASE_URL that must not "
        "exist yet), then run `passbook verify` against it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--into", required=True, help="DATABASE_URL of the new database")

    def handle(self, *args, file: Path, into: str, **options):
        if not file.is_file():
            raise CommandError(f"No backup file {file}.")
        target = dj_database_url.parse(into)
        if target["ENGINE"].endswith("sqlite3"):
            self._sqlite(file, Path(target["NAME"]))
        elif target["ENGINE"].endswith("postgresql"):
            self._postgres(file, target)
        else:
            raise CommandError("--into must be a sqlite:/// or postgres:// URL.")
        self.stdout.write(f"Restored {file} into {into}; verifying…")
        verify = subprocess.run(
            [sys.executable, "-m", "passbook.cli", "verify"],
            env={**os.environ, "DATABASE_URL": into},
        )
        if verify.returncode:
            raise CommandError("The restored database does not verify.", returncode=1)

    def _sqlite(self, file: Path, name: Path) -> None:
        if name.exists():
            raise CommandError(f"{name} exists; restore into a new file.")
        # The backup API reads through a WAL sidecar, which a plain file copy would miss.
        source, target = sqlite3.connect(file), sqlite3.connect(name)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise CommandError(f"{file} is damaged (integrity check failed).")
            source.backup(target)
        finally:
            source.close()
            target.close()

    def _postgres(self, file: Path, target: DBConfig) -> None:
        admin = psycopg.connect(
            dbname="postgres",
            host=target["HOST"] or None,
            port=target["PORT"] or None,
            user=target["USER"] or None,
            password=target["PASSWORD"] or None,
            autocommit=True,
        )
        with admin:
            if admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [target["NAME"]]
            ).fetchone():
                raise CommandError(f"Database {target['NAME']} exists; restore into a new one.")
            admin.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(target["NAME"]))
            )
        flags, env = pg_env(target)
        done = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                target["NAME"],
                *flags,
                str(file),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise CommandError(f"pg_restore failed: {done.stderr.strip()}")
