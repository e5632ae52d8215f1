"""Freezing a pass, and extending every active pass for a studio closure."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from passbook import clock
from passbook.models import PassEntry
from passbook.services import bookings, freezes
from passbook.services.verify import problems
from tests.factories import SessionFactory
from tests.integration.helpers import fresh, refused, sell


def test_a_freeze_moves_the_expiry_and_blocks_bookings_inside_it(
    business, customer, ten_pack, yoga
):
    p = sell(customer, ten_pack)
    before = fresh(p).expires_at
    session = SessionFactory(class_type=yoga, starts_at=clock.now() + timedelta(days=5))
    day = session.starts_at.date()
    freezes.freeze(
        p.id, starts_on=day - timedelta(days=2), ends_on=day + timedelta(days=2), reason="holiday"
    )
    assert fresh(p).expires_at == before + timedelta(days=5)
    with refused("no_usable_pass") as info:
        bookings.book(customer.id, session.id)
    assert info.value.details["reasons"][0]["code"] == "frozen"
    after = SessionFactory(class_type=yoga, starts_at=clock.now() + timedelta(days=9))
    assert bookings.book(customer.id, after.id).customer_pass == p
    entry = PassEntry.objects.filter(customer_pass=p, kind="validity").last()
    assert entry.reason.startswith("frozen") and "holiday" in entry.reason
    assert list(problems()) == []


def test_a_freeze_over_booked_sessions_is_refused(business, customer, ten_pack, session):
    p = sell(customer, ten_pack)
    bookings.book(customer.id, session.id)
    day = session.starts_at.date()
    with refused("bookings_in_freeze"):
        freezes.freeze(p.id, starts_on=day, ends_on=day, reason="injury")
    with refused("invalid_input"):
        freezes.freeze(p.id, starts_on=day, ends_on=day - timedelta(days=1), reason="x")
    with refused("invalid_input"):
        freezes.freeze(p.id, starts_on=day, ends_on=day, reason=" ")


def test_extend_all_active_passes_for_a_closure(business, customer, ten_pack):
    live = sell(customer, ten_pack)
    with clock.at(clock.now() - timedelta(days=200)):
        expired = sell(customer, ten_pack)
    live_before, expired_before = fresh(live).expires_at, fresh(expired).expires_at
    assert freezes.extend_all_active(14, reason="studio closed for renovation") == 1
    assert fresh(live).expires_at == live_before + timedelta(days=14)
    assert fresh(expired).expires_at == expired_before
    with refused("invalid_input"):
        freezes.extend_all_active(0, reason="x")
    assert list(problems()) == []


def test_extend_passes_command(business, customer, ten_pack, capsys):
    sell(customer, ten_pack)
    call_command("extend-passes", "--days", "7", "--reason", "closed")
    assert capsys.readouterr().out.strip() == "Extended 1 pass by 7 days."
    with pytest.raises(CommandError, match="1 to 366"):
        call_command("extend-passes", "--days", "0", "--reason", "closed")


def test_reasons_fit_in_the_history_line(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    day = clock.now().date() + timedelta(days=3)
    with refused("invalid_input"):
        freezes.freeze(p.id, starts_on=day, ends_on=day, reason="x" * 201)
    with refused("invalid_input"):
        freezes.extend_all_active(3, reason="x" * 201)
    freezes.freeze(p.id, starts_on=day, ends_on=day, reason="x" * 200)
    assert freezes.extend_all_active(3, reason="y" * 200) == 1


def test_overlapping_freezes_move_the_expiry_once_per_day(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    before = fresh(p).expires_at
    first = clock.now().date() + timedelta(days=10)
    week = {"starts_on": first, "ends_on": first + timedelta(days=6), "reason": "holiday"}
    freezes.freeze(p.id, **week)
    with refused("invalid_input"):
        freezes.freeze(p.id, **week)  # the same week again adds nothing
    freezes.freeze(p.id, **{**week, "ends_on": first + timedelta(days=9)})  # 3 days more
    assert fresh(p).expires_at == before + timedelta(days=10)
