"""Undoing an import while the desk books one of its customers (PostgreSQL, real threads):
with the locks, one of them waits for the other and then says why it cannot; without them,
the booking lands between the undo's check and its deletes, and one of the two fails with
a database error instead of a clear refusal."""

import threading
from datetime import timedelta

import pytest

from passbook import clock
from passbook.models import Pass
from passbook.services import bookings, import_undo, imports, verify
from passbook.services.errors import DomainError
from tests.factories import SessionFactory
from tests.integration.test_import_export import CUSTOMERS, csv_bytes
from tests.threads import run_together, widen_race_window

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PRODUCTS = ["external_id", "name", "price", "credits"]
PASSES = ["external_id", "customer_external_id", "product_external_id", "purchased_on"]


def imported_batch() -> int:
    today = clock.now().date().isoformat()
    files = [
        ("c.csv", csv_bytes([CUSTOMERS, ["c1", "Ann", "", "ann@example.com", "", ""]]), None),
        ("pr.csv", csv_bytes([PRODUCTS, ["P1", "Ten", "100", "10"]]), None),
        ("pa.csv", csv_bytes([PASSES, ["p1", "c1", "P1", today]]), None),
    ]
    report = imports.run(imports.read(files, imports.columns_for("generic")), commit=True)
    assert report.batch is not None
    return report.batch.id


def test_an_undo_and_a_booking_at_once(business, locking, monkeypatch):
    batch_id = imported_batch()
    customer_id = Pass.objects.get(external_id="p1").customer_id
    session = SessionFactory(starts_at=clock.now() + timedelta(days=2))
    checked, booked = threading.Event(), threading.Event()
    if locking:  # the booking reaches its check after the undo checked (and waits for it)
        widen_race_window(monkeypatch, bookings, "check_bookable", seconds=0.2)
        widen_race_window(monkeypatch, import_undo, "_delete", seconds=0.6)
    else:  # the booking is made between the undo's check and its deletes, every time
        delete = import_undo._delete

        def delete_after_the_booking(*args, **kwargs):
            checked.set()
            booked.wait(timeout=10)
            return delete(*args, **kwargs)

        monkeypatch.setattr(import_undo, "_delete", delete_after_the_booking)

    def work(n: int) -> str:
        try:
            if n == 0:
                import_undo.undo(batch_id)
                return "undone"
            if not locking:
                checked.wait(timeout=10)
            bookings.book(customer_id, session.id)
            booked.set()
            return "booked"
        except DomainError as exc:
            return exc.code
        except Exception:  # noqa: BLE001 - the race without locks: a database error
            return "error"

    outcomes = run_together(2, work)
    if locking:
        assert outcomes in (["import_not_undoable", "booked"], ["undone", "not_found"])
        assert list(verify.problems()) == []
    else:
        assert "error" in outcomes
