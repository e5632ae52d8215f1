"""The database is the last line of defence, even against code that skips the services."""

import pytest
from django.db import IntegrityError, connection, transaction

from passbook import clock
from passbook.models import Booking, Pass, PassEntry, Session
from passbook.services import bookings
from tests.factories import SessionFactory, StaffFactory
from tests.integration.helpers import D, sell


def _violates(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_remaining_never_below_zero_on_counted_passes(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    _violates(lambda: Pass.objects.filter(pk=p.pk).update(held=D("11")))
    _violates(lambda: Pass.objects.filter(pk=p.pk).update(used=D("-1")))
    Pass.objects.filter(pk=p.pk).update(total=None, held=D("50"))  # unlimited: fine


def test_one_live_booking_per_customer_per_session(business, customer, ten_pack, session):
    sell(customer, ten_pack)
    b = bookings.book(customer.id, session.id)

    def second_live_booking():
        Booking.objects.create(
            customer=customer, session=session, paid_by="complimentary", created_at=clock.now()
        )

    _violates(second_live_booking)
    bookings.cancel(b.id)
    second_live_booking()  # a cancelled booking does not count


@pytest.mark.postgres
def test_the_ledger_rejects_update_and_delete_on_postgres(business, customer, ten_pack):
    sell(customer, ten_pack)
    entry = PassEntry.objects.get()
    _violates(lambda: PassEntry.objects.filter(pk=entry.pk).update(amount=D("99")))
    _violates(lambda: PassEntry.objects.filter(pk=entry.pk).delete())
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM passbook_passentry")


@pytest.mark.postgres
def test_overlapping_sessions_for_one_teacher_are_rejected_on_postgres(business, yoga):
    teacher = StaffFactory()
    first = SessionFactory(class_type=yoga, staff=teacher)
    _violates(
        lambda: SessionFactory(
            class_type=yoga, staff=teacher, starts_at=first.starts_at, ends_at=first.ends_at
        )
    )
    Session.objects.filter(pk=first.pk).update(status="cancelled")
    SessionFactory(
        class_type=yoga, staff=teacher, starts_at=first.starts_at, ends_at=first.ends_at
    )  # a cancelled session frees the teacher
