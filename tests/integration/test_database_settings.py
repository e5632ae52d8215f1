"""How Passbook talks to its database: prepared statements on PostgreSQL unless turned off,
and a lock timeout unless set to 0."""

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
            **{k: v for k, v in os.environ.items() if not k.startswith("PASSBOOK_")},
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


PG = "postgres://app@db.example:5432/passbook"


def test_postgresql_prepares_repeated_statements_and_times_out_lock_waits_by_default():
    assert _options(PG) == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "options": "-c lock_timeout=3000",
    }


def test_prepared_statements_and_the_lock_timeout_can_be_turned_off_for_poolers():
    assert _options(PG, PASSBOOK_DB_PREPARED="false", PASSBOOK_LOCK_TIMEOUT="0") == {}
    assert _options(PG, PASSBOOK_LOCK_TIMEOUT="0.5")["options"] == "-c lock_timeout=500"


def test_sqlite_keeps_its_immediate_transactions():
    options = _options("sqlite:///studio.sqlite3")
    assert options["transaction_mode"] == "IMMEDIATE" and "prepare_threshold" not in options


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL connections only")
def test_the_live_connection_prepares_statements(db):
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
