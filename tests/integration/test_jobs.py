"""`passbook run-jobs`: expiry forfeits, no-shows, expiry notices and the notification outbox."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.core import mail
from django.core.management import call_command

from passbook import clock
from passbook.jobs import run_all
from passbook.models import (
    Booking,
    IdempotencyRecord,
    Notification,
    PassEntry,
    VoucherAttempt,
)
from passbook.rules.ledger import EntryKind
from passbook.services import bookings, expiry, ledger, passes
from passbook.services.verify import problems
from tests.factories import CustomerFactory, SessionFactory
from tests.integration.helpers import D, counters, refused, sell
from tests.threads import race_point, run_together


class FailingBackend:
    """An SMTP server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def _forfeits(p):
    return list(
        PassEntry.objects.filter(customer_pass=p, kind=EntryKind.FORFEIT).values_list(
            "amount", flat=True
        )
    )


def test_expired_credits_are_forfeited_once_per_expiry(business, customer, ten_pack):
    with clock.at(clock.now() - timedelta(days=200)):
        p = sell(customer, ten_pack)
    run_all()
    assert not expiry.due().exists()  # recorded: later runs do not even read it again
    run_all()
    assert _forfeits(p) == [D("10")]
    assert counters(p)[3] == D("10")  # extending the expiry would bring them back
    passes.change_validity(p.id, starts_on=None, expires_on=clock.now().date() + timedelta(days=5))
    run_all()
    assert _forfeits(p) == [D("10")]  # valid again: nothing new
    with clock.at(clock.now() + timedelta(days=10)):
        run_all()
    assert _forfeits(p) == [D("10"), D("10")]  # expired again: recorded again
    assert list(problems()) == []


def test_bookings_left_unchecked_become_no_shows_when_attendance_closes(
    business, customer, ten_pack, session
):
    business.attendance_closes_hours = 2
    business.save()
    p = sell(customer, ten_pack)
    booking = bookings.book(customer.id, session.id)
    with clock.at(session.ends_at + timedelta(minutes=119)):
        run_all()
    assert Booking.objects.get(pk=booking.pk).status == "booked"  # staff may still check in
    with clock.at(session.ends_at + timedelta(minutes=121)):
        assert run_all().counts["no-shows"] == 1
        assert run_all().counts["no-shows"] == 0
    assert Booking.objects.get(pk=booking.pk).status == "no_show"
    assert counters(p)[1:3] == (D("0"), D("1"))  # the business consumes no-shows


def test_a_no_show_undone_by_the_desk_is_not_marked_again_while_attendance_is_open(
    business, customer, ten_pack, session
):
    sell(customer, ten_pack)
    booking = bookings.book(customer.id, session.id)
    with clock.at(session.ends_at + timedelta(minutes=5)):
        bookings.mark_no_show(booking.id)
        bookings.undo_no_show(booking.id)
        assert run_all().counts["no-shows"] == 0
    assert Booking.objects.get(pk=booking.pk).status == "booked"


def test_the_outbox_is_written_with_the_event_and_not_for_a_refused_one(business, ten_pack):
    session = SessionFactory(capacity=1)
    first, second = CustomerFactory.create_batch(2)
    sell(first, ten_pack)
    sell(second, ten_pack)
    bookings.book(first.id, session.id)
    assert Notification.objects.filter(kind="booking_confirmed", customer=first).count() == 1
    with refused("session_full"):
        bookings.book(second.id, session.id)
    assert not Notification.objects.filter(kind="booking_confirmed", customer=second).exists()


def test_notifications_are_delivered_and_retried_after_a_failure(
    business, customer, ten_pack, settings
):
    sell(customer, ten_pack)
    settings.EMAIL_BACKEND = "tests.integration.test_jobs.FailingBackend"
    report = run_all()
    assert report.counts["sent"] == 0 and report.counts["failed"] == 1
    message = Notification.objects.get(kind="pass_purchased")
    assert message.attempts == 1 and "mail server down" in message.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_all().counts["sent"] == 0  # not due again yet
    with clock.at(message.due_at + timedelta(seconds=1)):
        assert run_all().counts["sent"] == 1
    assert [m.subject for m in mail.outbox] == ["Your 10-class pass"]
    assert Notification.objects.get(pk=message.pk).sent_at is not None


def test_expiring_soon_is_sent_once(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    passes.change_validity(p.id, starts_on=None, expires_on=clock.now().date() + timedelta(days=3))
    run_all()
    run_all()
    assert Notification.objects.filter(kind="pass_expiring").count() == 1
    assert sum("expires on" in m.subject for m in mail.outbox) == 1


def test_one_credit_left(business, customer):
    from tests.factories import ProductFactory

    sell(customer, ProductFactory(credits=2))
    bookings.book(customer.id, SessionFactory().id)
    assert Notification.objects.filter(kind="one_credit_left").count() == 1


def test_run_jobs_command_reports_what_it_did(db, business, capsys):
    call_command("run-jobs")
    assert capsys.readouterr().out.startswith("run-jobs: forfeits: 0, no-shows: 0")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_do_everything_exactly_once(business, ten_pack, locking, monkeypatch):
    with clock.at(clock.now() - timedelta(days=200)):
        sold = [sell(c, ten_pack) for c in CustomerFactory.create_batch(6)]
    # the runs go through the expired passes in step, each having read them all
    race_point(monkeypatch, ledger, "entry_for", locking=locking, runs=4)
    run_together(4, lambda _n: run_all())
    forfeits = [_forfeits(p) for p in sold]
    if not locking:  # every run read the same expired passes and forfeited them again
        assert any(len(f) > 1 for f in forfeits)
        return
    assert forfeits == [[D("10")]] * 6
    assert len(mail.outbox) == Notification.objects.count() == 6  # each purchase mailed once
    assert list(problems()) == []


def test_jobs_prune_what_no_longer_serves_and_keep_the_rest(business, settings):
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        IdempotencyRecord.objects.create(scope="token:1", key="k", fingerprint="f")
        VoucherAttempt.objects.create(who="user:1", at=clock.now())
        AccessAttempt.objects.create(
            username="owner", ip_address="10.0.0.1", failures_since_start=3
        )
        AccessLog.objects.create(username="owner", ip_address="10.0.0.1")
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        run_all()  # within a day: the idempotency key is kept
        assert IdempotencyRecord.objects.count() == 1
        assert not VoucherAttempt.objects.exists()  # past the 15 minutes it counts for
        assert not AccessAttempt.objects.exists()  # past the hour's lockout
    with time_machine.travel(start + timedelta(hours=49), tick=False):
        report = run_all()
        assert not IdempotencyRecord.objects.exists()
        assert AccessLog.objects.exists()  # the login log is kept for 90 days
    with time_machine.travel(start + timedelta(days=91), tick=False):
        run_all()
        assert not AccessLog.objects.exists()
    assert report.counts["pruned"] == 1
