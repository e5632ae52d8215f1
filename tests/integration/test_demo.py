"""`passbook demo` loads a studio with every status, and verify is clean afterwards."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from passbook import clock
from passbook.models import Booking, Pass, PassProduct, Session
from passbook.rules.money import PaymentStatus, payment_status
from passbook.rules.status import PassStatus, pass_status
from passbook.services.facts import pass_facts
from passbook.services.verify import problems


@pytest.fixture
def demo_output(db, capsys):
    call_command("demo")
    return capsys.readouterr().out


def test_demo_prints_the_logins_it_created(demo_output):
    for login in ("owner", "manager", "frontdesk", "ava.nguyen@example.com"):
        assert f"  {login} " in demo_output
    assert "passbook-demo" in demo_output and "verify: OK" in demo_output


def test_demo_has_passes_in_every_status_and_payment_status(demo_output):
    now = clock.now()
    statuses = Counter(pass_status(pass_facts(p), now) for p in Pass.objects.all())
    assert set(statuses) == set(PassStatus)
    paid = {payment_status(p.price, p.amount_paid) for p in Pass.objects.all()}
    assert paid == set(PaymentStatus)


def test_demo_has_bookings_in_every_state_and_the_expected_catalog(demo_output):
    assert set(Booking.objects.values_list("status", flat=True)) == set(Booking.Status.values)
    assert set(Booking.objects.values_list("paid_by", flat=True)) == set(Booking.PaidBy.values)
    names = set(PassProduct.objects.values_list("name", flat=True))
    assert {"10-class pass", "5-class Pilates pass", "Monthly unlimited"} <= names
    assert PassProduct.objects.get(name="Monthly unlimited").max_per_day == 1
    assert Session.objects.filter(series__isnull=False).count() >= 20
    assert Pass.objects.values("customer").distinct().count() >= 28


def test_demo_data_verifies_clean(demo_output):
    assert list(problems()) == []
    call_command("verify")


def test_demo_refuses_a_database_that_has_data(demo_output):
    with pytest.raises(CommandError, match="empty"):
        call_command("demo")
