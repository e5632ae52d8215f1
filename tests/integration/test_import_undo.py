"""Undoing an import batch: everything it created goes, ledger entries included, while
nothing has happened to its records since; otherwise `import_not_undoable` and nothing
changes (docs/import.md). On PostgreSQL the ledger trigger still refuses every other
DELETE."""

from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from passbook.models import Booking, Customer, ImportBatch, Pass, PassEntry, Session
from passbook.models.imports import ImportedRecord
from passbook.services import bookings, import_undo, passes, verify
from passbook.services.payments import PaymentInput
from tests.factories import CustomerFactory, ProductFactory
from tests.integration.helpers import fingerprint, refused
from tests.integration.test_import_export import (
    CUSTOMERS,
    SAMPLES,
    SAMPLES_MOMENT,
    csv_bytes,
    make_timetable,
    run,
    sources,
)

D = Decimal


@pytest.fixture
def timetable(business):
    with time_machine.travel(SAMPLES_MOMENT, tick=False):
        make_timetable()
        yield


def imported() -> ImportBatch:
    report = run(sources(SAMPLES / "generic"), commit=True)
    assert report.batch is not None
    return report.batch


def without_batches(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    return {name: found for name, found in rows.items() if name != "passbook.ImportBatch"}


def test_undo_deletes_everything_the_batch_created(timetable):
    before = fingerprint()
    batch = imported()
    assert Booking.objects.count() == 3 and PassEntry.objects.count() > 0
    import_undo.undo(batch.id)
    assert without_batches(fingerprint()) == without_batches(before)
    batch.refresh_from_db()
    assert batch.undone_at is not None and list(verify.problems()) == []
    with refused("import_not_undoable") as info:
        import_undo.undo(batch.id)
    assert "undone already" in info.value.message
    again = run(sources(SAMPLES / "generic"), commit=True)  # the external ids are free again
    assert again.batch is not None and again.batch.created["passes"] == 4


def test_a_booking_since_stops_the_undo(timetable):
    batch = imported()
    maya = Pass.objects.get(external_id="S-5001")
    pilates = Session.objects.get(class_type__name="Pilates")
    bookings.book(maya.customer_id, pilates.id)
    with refused("import_not_undoable") as info:
        import_undo.undo(batch.id)
    assert "used or changed since" in info.value.message


def test_an_edit_since_stops_the_undo(timetable):
    batch = imported()
    Customer.objects.filter(external_id="C-1002").update(phone="07700 900999")
    with refused("import_not_undoable") as info:
        import_undo.undo(batch.id)
    assert "edited since" in info.value.message


def test_a_sale_to_an_imported_customer_stops_the_undo(timetable):
    batch = imported()
    tom = Pass.objects.get(external_id="S-5002").customer
    passes.sell(tom.id, ProductFactory().id, payment=PaymentInput(D(10), "cash"))
    with refused("import_not_undoable") as info:
        import_undo.undo(batch.id)
    assert "refer to customers" in info.value.message


def test_undo_gives_an_older_pass_its_credit_back(timetable):
    ann = CustomerFactory(external_id="X-1")
    older = passes.sell(ann.id, ProductFactory(credits=5).id)
    rows = [
        ["external_id", "customer_external_id", "class_type", "session_starts_at"],
        ["B-1", "X-1", "Yoga", "2026-06-11T18:00:00+00:00"],
    ]
    report = run([("b.csv", csv_bytes(rows), None)], commit=True)
    older.refresh_from_db()
    assert older.held == D(1) and ImportedRecord.objects.count() == 1
    import_undo.undo(report.batch.id)
    older.refresh_from_db()
    assert (older.held, older.used) == (0, 0) and older.entries.count() == 1  # its GRANT
    assert Booking.objects.count() == 0 and list(verify.problems()) == []


def test_the_command_undoes_and_says_why_not(timetable, capsys):
    batch = imported()
    call_command("import", "--undo", str(batch.id))
    assert f"Undone: {batch.label}" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"undone already. \[import_not_undoable\]"):
        call_command("import", "--undo", str(batch.id))
    with pytest.raises(CommandError, match=r"No such import batch. \[not_found\]"):
        call_command("import", "--undo", "999")


def test_a_customer_here_before_keeps_everything_but_the_batchs_pass(business, pinned):
    ann = CustomerFactory(external_id="X-1")
    ProductFactory(name="Ten", credits=10)
    passes_file = [["external_id", "customer_external_id", "product", "purchased_on", "used"]]
    passes_file.append(["p1", "X-1", "Ten", "2026-11-01", "3"])
    report = run([("p.csv", csv_bytes(passes_file), None)], commit=True)
    assert ann.passes.get().used == D(3)
    import_undo.undo(report.batch.id)
    assert Customer.objects.get() == ann and not ann.passes.exists()


def test_a_batch_of_customers_only_is_undone_too(business):
    kept = CustomerFactory()
    rows = [CUSTOMERS, ["c1", "Ann", "", "ann@example.com", "", ""]]
    report = run([("c.csv", csv_bytes(rows), None)], commit=True)
    import_undo.undo(report.batch.id)
    assert list(Customer.objects.all()) == [kept]


# -- the ledger stays append-only on PostgreSQL ---------------------------------------------


def _delete_entry(entry_id: int, undoing: str | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if undoing is not None:
            cursor.execute("SELECT set_config('passbook.undo_import_batch', %s, true)", [undoing])
        cursor.execute("DELETE FROM passbook_passentry WHERE id = %s", [entry_id])


@pytest.mark.postgres
def test_the_trigger_lets_through_only_the_undone_batchs_entries(timetable):
    batch = imported()
    ann = CustomerFactory()
    sold = passes.sell(ann.id, ProductFactory().id)
    theirs = sold.entries.get()
    ours = PassEntry.objects.filter(customer_pass__import_batch=batch).first()
    with pytest.raises(IntegrityError, match="append-only"):
        _delete_entry(theirs.id)  # no undo under way
    with pytest.raises(IntegrityError, match="append-only"):
        _delete_entry(theirs.id, str(batch.id))  # not the batch's entry
    with pytest.raises(IntegrityError, match="append-only"):
        _delete_entry(ours.id, str(batch.id + 1))  # another batch named
    with pytest.raises(IntegrityError, match="append-only"):
        _delete_entry(ours.id)  # the setting is per transaction: gone again
    _delete_entry(ours.id, str(batch.id))  # what the undo does
    assert not PassEntry.objects.filter(id=ours.id).exists()


@pytest.mark.postgres
def test_updates_stay_refused_during_an_undo(timetable):
    batch = imported()
    ours = PassEntry.objects.filter(customer_pass__import_batch=batch).first()
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('passbook.undo_import_batch', %s, true)", [str(batch.id)])
        cursor.execute("UPDATE passbook_passentry SET amount = 0 WHERE id = %s", [ours.id])
