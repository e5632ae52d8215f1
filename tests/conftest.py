from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
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


def pytest_configure(config):
    from django.conf import settings

    # Tests serve static files without `collectstatic`, so no manifest to look things up in.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need real row locks; skip them on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


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
