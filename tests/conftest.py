import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from passbook.models import Business
from tests.factories import (
    CategoryFactory,
    ClassTypeFactory,
    CustomerFactory,
    ProductFactory,
    SessionFactory,
)

pytest_plugins = ["tests.browser"]  # the `browser` fixture (real Chromium)

SYDNEY = ZoneInfo("Australia/Sydney")
_MOVED = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="MOMENT",
        default=os.environ.get("PASSBOOK_TEST_CLOCK") or None,
        help="run the suite as if it were MOMENT (ISO 8601 with its offset, e.g. "
        "2026-12-02T02:00:00+00:00); the clock ticks on from there. Default: "
        "$PASSBOOK_TEST_CLOCK, else the real time.",
    )


def pytest_configure(config):
    from django.conf import settings

    moment = config.getoption("--clock")
    if moment:  # the whole session, tests' own pinned moments still nested inside it
        config.stash[_MOVED] = time_machine.travel(datetime.fromisoformat(moment), tick=True)
        config.stash[_MOVED].start()

    settings.PASSWORD_HASHERS = ["tests.hashers.QuickArgon2PasswordHasher"]
    # Tests serve static files without `collectstatic`, so no manifest to look things up in.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_unconfigure(config):
    if _MOVED in config.stash:
        config.stash[_MOVED].stop()


def pytest_report_header(config):
    moment = config.getoption("--clock")
    return f"clock moved to {moment} (ticking)" if moment else None


def pytest_collection_modifyitems(config, items):
    """Tests that drive Chromium are marked `browser`. Tests marked `postgres` need real
    row locks: skipped on SQLite. The demo's sweep over 36 moments runs on SQLite only, the
    embedded default newcomers use (its calendar logic is the same on both databases)."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    needs_postgres = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    sqlite_only = pytest.mark.skip(reason="the demo sweep runs on SQLite")
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(needs_postgres)
        if "sweep" in item.keywords and on_postgres:
            item.add_marker(sqlite_only)


@pytest.fixture(params=[True, False], ids=["locked", "unlocked"])
def locking(request, settings) -> bool:
    """Run a concurrency test twice: with the services' row locks, and with them switched
    off (a test-only setting), where the test must show the race the locks prevent."""
    settings.PASSBOOK_LOCKING = request.param
    return request.param


# Tuesday 1 December 2026, 09:00 UTC: for tests whose messages name days and times.
PINNED = datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def pinned():
    """The clock stopped at PINNED; ask for it before fixtures that make sessions."""
    with time_machine.travel(PINNED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def business(db) -> Business:
    b = Business.current()
    b.name, b.time_zone, b.currency, b.late_cancel_hours = "Test Studio", "UTC", "USD", 12
    b.save()
    return Business.current()


@pytest.fixture
def yoga(db):
    return ClassTypeFactory(name="Vinyasa", category=CategoryFactory(name="Yoga"))


@pytest.fixture
def pilates(db):
    return ClassTypeFactory(name="Mat Pilates", category=CategoryFactory(name="Pilates"))


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def ten_pack(db):
    return ProductFactory(name="10-class pass", credits=10, price=200)


@pytest.fixture
def session(business, yoga):
    return SessionFactory(class_type=yoga)


def sydney(*args) -> datetime:
    return datetime(*args, tzinfo=SYDNEY)
