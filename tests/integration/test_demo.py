"""`passbook demo` builds a whole studio at any moment: every pass status, payment status
and booking state, on purpose, and verify is clean afterwards."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from passbook import clock, demo
from passbook.models import Booking, Pass, PassProduct, Session
from passbook.rules.money import PaymentStatus, payment_status
from passbook.rules.status import PassStatus, pass_status
from passbook.services.facts import pass_facts
from passbook.services.verify import problems
from tests.conftest import SYDNEY

PINNED = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # the Wednesday a newcomer first hit it


def _week(*utc_hours: float) -> list[datetime]:
    """Each day of the week of Monday 30 November 2026 at each of these UTC hours."""
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    return [monday + timedelta(days=d, hours=h) for d in range(7) for h in utc_hours]


MOMENTS = [
    # Every weekday at 00:30 and 13:05 UTC (11:30 and 00:05 in Sydney: just after the
    # business's midnight), 06:45 (17:45 there, the evening classes about to start)
    # and 20:10 (07:10 there, the first class under way).
    *_week(0.5, 6.75, 13 + 1 / 12, 20 + 1 / 6),
    # Sydney's daylight-saving days: the night the clocks go back (03:00 -> 02:00) and
    # forward (02:00 -> 03:00), and the Sunday evenings after.
    datetime(2026, 4, 4, 15, 30, tzinfo=UTC),
    datetime(2026, 4, 5, 8, 0, tzinfo=UTC),
    datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
    datetime(2026, 10, 4, 8, 0, tzinfo=UTC),
    # Month and year ends, in business time and in UTC.
    datetime(2026, 12, 31, 23, 30, tzinfo=SYDNEY),
    datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2027, 2, 28, 23, 45, tzinfo=SYDNEY),
    datetime(2027, 2, 28, 23, 45, tzinfo=UTC),
]


def _label(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %Y-%m-%d %H:%MZ")


@pytest.mark.sweep
@pytest.mark.parametrize("moment", MOMENTS, ids=_label)
def test_the_demo_is_whole_at_any_moment(db, moment):
    with time_machine.travel(moment, tick=False):
        demo.build()
        now = clock.now()
    all_passes = list(Pass.objects.all())
    assert {pass_status(pass_facts(p), now) for p in all_passes} == set(PassStatus)
    assert {payment_status(p.price, p.amount_paid) for p in all_passes} == set(PaymentStatus)
    assert set(Booking.objects.values_list("status", flat=True)) == set(Booking.Status.values)
    assert set(Booking.objects.values_list("paid_by", flat=True)) == set(Booking.PaidBy.values)
    assert list(problems()) == []


@pytest.fixture
def demo_output(db, capsys):
    with time_machine.travel(PINNED, tick=False):
        call_command("demo")
    return capsys.readouterr().out


def test_demo_prints_the_logins_it_created(demo_output):
    for login in ("owner", "manager", "frontdesk", "ava.nguyen@example.com"):
        assert f"  {login} " in demo_output
    assert "passbook-demo" in demo_output and "verify: OK" in demo_output
    assert "/office/" in demo_output


def test_demo_has_the_expected_catalog_and_customers(demo_output):
    names = set(PassProduct.objects.values_list("name", flat=True))
    assert {"10-class pass", "5-class Pilates pass", "Monthly unlimited"} <= names
    assert PassProduct.objects.get(name="Monthly unlimited").max_per_day == 1
    assert Session.objects.filter(series__isnull=False).count() >= 20
    assert Pass.objects.values("customer").distinct().count() >= 28


def test_demo_data_verifies_clean(demo_output):
    call_command("verify")


def test_demo_refuses_a_database_that_has_data(demo_output):
    with pytest.raises(CommandError, match="empty"):
        call_command("demo")
