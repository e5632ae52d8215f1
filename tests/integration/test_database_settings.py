"""How Passbook talks to its database: prepared statements on PostgreSQL unless turned off."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

PRINT_OPTIONS = (
    "import django, json; django.setup(); from django.conf import settings;"
    " print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
)


def _options(database_url: str, **env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS],
        env={
            **{k: v for k, v in os.environ.items() if k != "PASSBOOK_DB_PREPARED"},
            "DJANGO_SETTINGS_MODULE": "passbook.settings",
            "DATABASE_URL": database_url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_postgresql_prepares_repeated_statements_by_default():
    options = _options("postgres://app@db.example:5432/passbook")
    assert options == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_poolers_that_cannot_keep_them():
    assert _options("postgres://app@db.example:5432/passbook", PASSBOOK_DB_PREPARED="false") == {}


def test_sqlite_keeps_its_immediate_transactions():
    options = _options("sqlite:///studio.sqlite3")
    assert options["transaction_mode"] == "IMMEDIATE" and "prepare_threshold" not in options


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL connections only")
def test_the_live_connection_prepares_statements(db):
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
