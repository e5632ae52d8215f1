"""Backup and restore of the small fixed studio: a restored database verifies clean, and
a damaged one does not."""

import sqlite3
import uuid

import psycopg
import pytest

from tests.clirun import passbook, small_studio


@pytest.fixture
def studio(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'studio.sqlite3'}"
    small_studio(url)
    return url


def test_sqlite_backup_restores_into_a_fresh_file_and_verifies(tmp_path, studio):
    passbook("backup", str(tmp_path / "backup.sqlite3"), url=studio)
    into = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = passbook("restore", str(tmp_path / "backup.sqlite3"), "--into", into, url=studio)
    assert "verify: OK" in restored.stdout
    again = passbook(
        "restore", str(tmp_path / "backup.sqlite3"), "--into", into, url=studio, check=False
    )
    assert again.returncode != 0 and "exists" in again.stderr  # never over an existing one


def test_a_damaged_backup_does_not_verify(tmp_path, studio):
    passbook("backup", str(tmp_path / "backup.sqlite3"), url=studio)
    with sqlite3.connect(tmp_path / "backup.sqlite3") as db:
        db.execute("UPDATE passbook_pass SET used = used + 1 WHERE id = 2")
    into = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = passbook(
        "restore", str(tmp_path / "backup.sqlite3"), "--into", into, url=studio, check=False
    )
    assert restored.returncode == 1 and "pass 2 (" in restored.stderr


@pytest.mark.postgres
def test_postgres_backup_restores_into_a_fresh_database_and_verifies(tmp_path):
    base = "postgres://postgres@127.0.0.1:5432/"
    names = [f"passbook_bk_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = psycopg.connect(f"{base}postgres", autocommit=True)
    try:
        admin.execute(f'CREATE DATABASE "{names[0]}"')
        small_studio(base + names[0])
        passbook("backup", str(tmp_path / "studio.dump"), url=base + names[0])
        restored = passbook(
            "restore", str(tmp_path / "studio.dump"), "--into", base + names[1], url=base + names[0]
        )
        assert "verify: OK" in restored.stdout
        with psycopg.connect(base + names[1]) as copy, pytest.raises(psycopg.Error):
            copy.execute("DELETE FROM passbook_passentry")  # still append-only
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
