"""Jobs under time travel (time-machine) in the studio's zone: a daylight-saving change,
a leap day, month ends, and the expiry notice sent once across many daily runs."""

from datetime import UTC, datetime, timedelta

import time_machine

from passbook.jobs import run_all
from passbook.models import Booking, Business, Notification, PassEntry
from passbook.rules.ledger import EntryKind
from passbook.rules.status import PassStatus, pass_status
from passbook.services import bookings
from passbook.services.facts import pass_facts
from tests.factories import ProductFactory, SessionFactory
from tests.integration.helpers import fresh, sell

LONDON = "Europe/London"  # clocks go forward at 01:00 UTC on 28 March 2027


def _london(business):
    Business.objects.filter(pk=business.pk).update(time_zone=LONDON)


def _forfeited(p) -> bool:
    return PassEntry.objects.filter(customer_pass=p, kind=EntryKind.FORFEIT).exists()


def test_expiry_on_the_day_the_clocks_change(business, customer):
    _london(business)
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=False):
        p = sell(customer, ProductFactory(validity_unit="days", validity_count=28))
    assert fresh(p).expires_at.astimezone(UTC) == datetime(
        2027, 3, 28, 22, 59, 59, 999999, tzinfo=UTC
    )  # 23:59:59 BST
    with time_machine.travel(datetime(2027, 3, 28, 22, 30, tzinfo=UTC), tick=False):  # 23:30
        run_all()
        assert not _forfeited(p)
    with time_machine.travel(datetime(2027, 3, 28, 23, 30, tzinfo=UTC), tick=False):  # 00:30
        run_all()
        assert _forfeited(p)


def test_a_month_from_31_january_in_a_leap_year_ends_on_29_february(business, customer):
    with time_machine.travel(datetime(2028, 1, 31, 9, tzinfo=UTC), tick=False):
        p = sell(customer, ProductFactory(validity_unit="months", validity_count=1))
    at = datetime(2028, 2, 29, 23, 0, tzinfo=UTC)
    assert pass_status(pass_facts(fresh(p)), at) is PassStatus.ACTIVE
    assert pass_status(pass_facts(fresh(p)), at + timedelta(hours=1)) is PassStatus.EXPIRED


def test_month_end_renewals_of_validity(business, customer):
    with time_machine.travel(datetime(2026, 12, 31, 9, tzinfo=UTC), tick=False):
        p = sell(customer, ProductFactory(validity_unit="months", validity_count=2))
    assert fresh(p).expires_at.date().isoformat() == "2027-02-28"


def test_no_shows_across_the_clock_change(business, customer, ten_pack):
    _london(business)
    with time_machine.travel(datetime(2027, 3, 27, 9, tzinfo=UTC), tick=False):
        sell(customer, ten_pack)
        session = SessionFactory(
            starts_at=datetime(2027, 3, 28, 0, 0, tzinfo=UTC),
            ends_at=datetime(2027, 3, 28, 0, 50, tzinfo=UTC),
        )
        booking = bookings.book(customer.id, session.id)
    business.attendance_closes_hours = 1
    business.save()
    # 01:50 UTC is 02:50 BST: an hour after the end in real time, not on the wall clock
    with time_machine.travel(datetime(2027, 3, 28, 1, 49, tzinfo=UTC), tick=False):
        run_all()
        assert Booking.objects.get(pk=booking.pk).status == "booked"  # attendance still open
    with time_machine.travel(datetime(2027, 3, 28, 1, 51, tzinfo=UTC), tick=False):
        run_all()
        assert Booking.objects.get(pk=booking.pk).status == "no_show"


def test_expiring_soon_goes_out_once_over_a_fortnight_of_daily_runs(business, customer):
    start = datetime(2027, 3, 20, 8, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        sell(customer, ProductFactory(validity_unit="days", validity_count=10))
    for day in range(14):
        with time_machine.travel(start + timedelta(days=day), tick=False):
            run_all()
    assert Notification.objects.filter(kind="pass_expiring").count() == 1
