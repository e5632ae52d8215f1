"""Backup and restore: a restored database verifies clean, and a damaged one does not."""

import os
import sqlite3
import subprocess
import sys
import uuid

import psycopg
import pytest

CLI = [sys.executable, "-m", "passbook.cli"]


def run(*args, url: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*CLI, *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=180,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_sqlite_backup_restores_into_a_fresh_file_and_verifies(tmp_path):
    source = f"sqlite:///{tmp_path / 'studio.sqlite3'}"
    run("demo", url=source)
    run("backup", str(tmp_path / "backup.sqlite3"), url=source)
    restored = run(
        "restore",
        str(tmp_path / "backup.sqlite3"),
        "--into",
        f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        url=source,
    )
    assert "verify: OK" in restored.stdout
    again = run(
        "restore",
        str(tmp_path / "backup.sqlite3"),
        "--into",
        f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        url=source,
        check=False,
    )
    assert again.returncode != 0 and "exists" in again.stderr  # never over an existing one


def test_a_damaged_backup_does_not_verify(tmp_path):
    source = f"sqlite:///{tmp_path / 'studio.sqlite3'}"
    run("demo", url=source)
    run("backup", str(tmp_path / "backup.sqlite3"), url=source)
    with sqlite3.connect(tmp_path / "backup.sqlite3") as db:
        db.execute("UPDATE passbook_pass SET used = used + 1 WHERE id = 2")
    restored = run(
        "restore",
        str(tmp_path / "backup.sqlite3"),
        "--into",
        f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        url=source,
        check=False,
    )
    assert restored.returncode == 1 and "pass 2 (" in restored.stderr


@pytest.mark.postgres
def test_postgres_backup_restores_into_a_fresh_database_and_verifies(tmp_path):
    base = "postgres://postgres@127.0.0.1:5432/"
    names = [f"passbook_bk_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = psycopg.connect(f"{base}postgres", autocommit=True)
    try:
        admin.execute(f'CREATE DATABASE "{names[0]}"')
        run("demo", url=base + names[0])
        run("backup", str(tmp_path / "studio.dump"), url=base + names[0])
        restored = run(
            "restore", str(tmp_path / "studio.dump"), "--into", base + names[1], url=base + names[0]
        )
        assert "verify: OK" in restored.stdout
        with psycopg.connect(base + names[1]) as copy, pytest.raises(psycopg.Error):
            copy.execute("DELETE FROM passbook_passentry")  # still append-only
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
