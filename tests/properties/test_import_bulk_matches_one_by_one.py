"""The import's set-based write path (services/import_writes.py) writes exactly what writing
one row at a time writes.

For random files of customers and passes (new customers and ones already here matched by
external id or email, products from the file and from here, limited and unlimited passes
partly used, paid in part, in full or not, with and without their days), the same import
runs once in chunks and once row by row (`imports.ONE_BY_ONE`), from the same state,
rolled back between; every row of every table must be the same, ids compared by their
order in their table (both paths insert in file order).
"""

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import ForeignKey
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passbook.models import Customer, ImportBatch, Pass, PassEntry, PassProduct, Payment
from passbook.services import import_undo, import_writes, imports, passes, verify
from tests.factories import CategoryFactory, CustomerFactory

MOMENT = datetime(2026, 6, 10, 9, tzinfo=UTC)
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PRODUCTS = [
    ["external_id", "name", "price", "credits", "start_rule"],
    ["P-10", "10-class pass", "120.00", "10", "purchase"],
    ["P-open", "Open month", "90.00", "", "first_booking"],
]
CUSTOMERS = ["external_id", "first_name", "last_name", "email", "phone"]
PASSES = [
    "external_id",
    "customer_external_id",
    "customer_email",
    "product_external_id",
    "product",
    "purchased_on",
    "starts_on",
    "expires_on",
    "total",
    "used",
    "amount_paid",
]
# Who a pass row names: a customer of the file (by id or email), or one already here.
OWNERS = ["file-id", "file-email", "here-id", "here-email"]


def csv_bytes(rows: list[list[Any]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


@pytest.fixture
def here(business):
    """A studio already on Passbook: two customers, a product with a category, a pass."""
    with time_machine.travel(MOMENT, tick=False):
        known = CustomerFactory(first_name="Known", email="known@example.com", external_id="H-1")
        CustomerFactory(first_name="Emailed", email="emailed@example.com")
        product = PassProduct.objects.create(name="Yoga 5", price=60, credits=5)
        product.categories.add(CategoryFactory(name="Yoga"))
        old = passes.sell(known.id, product.id)
        Pass.objects.filter(id=old.id).update(external_id="S-old")
        yield


def files(customers: int, rows: list[dict]) -> list[tuple[str, bytes, None]]:
    people = [CUSTOMERS] + [
        [f"C-{n}", f"New{n}", "Mover", f"new{n}@example.com", f"+44 {n}"] for n in range(customers)
    ]
    people.append(["C-emailed", "Emailed", "Here", "emailed@example.com", ""])  # a match
    pass_rows = [PASSES] + [_pass_row(n, row, customers) for n, row in enumerate(rows)]
    pass_rows.append(["S-old", "H-1", "", "", "Yoga 5", "2026-01-01", "", "", "", "", ""])
    return [
        ("products.csv", csv_bytes(PRODUCTS), None),
        ("customers.csv", csv_bytes(people), None),
        ("passes.csv", csv_bytes(pass_rows), None),
    ]


def _pass_row(n: int, row: dict, customers: int) -> list[Any]:
    owner = row["owner"] if customers else row["owner"].replace("file", "here")
    who = row["who"] % max(customers, 1)
    ids = {"file-id": (f"C-{who}", ""), "file-email": ("", f"new{who}@example.com")}
    ids |= {"here-id": ("H-1", ""), "here-email": ("", "emailed@example.com")}
    product = ["P-10", ""] if row["product"] == 0 else ["P-open", ""]
    if row["product"] == 2:
        product = ["", "Yoga 5"]
    total = row["total"] or ""
    limit = row["total"] or (10, 30, 5)[row["product"]]
    starts = row["purchased"] + timedelta(days=row["starts_after"]) if row["days"] else ""
    expires = row["purchased"] + timedelta(days=90) if row["days"] else ""
    paid = "" if row["paid"] is None else row["paid"]
    return [
        f"S-{n}",
        *ids[owner],
        *product,
        row["purchased"].isoformat(),
        starts and starts.isoformat(),
        expires and expires.isoformat(),
        total,
        min(row["used"], limit),
        paid,
    ]


pass_rows = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(OWNERS),
        "who": st.integers(0, 20),
        "product": st.integers(0, 2),
        "purchased": st.dates(date(2025, 6, 1), date(2026, 6, 1)),
        "days": st.booleans(),
        "starts_after": st.integers(0, 10),
        "total": st.sampled_from([None, 3, 12]),
        "used": st.integers(0, 12),
        "paid": st.sampled_from([None, "0", "25.50", "60.00"]),
    }
)


def outcome(write: Callable[[], imports.Report]) -> tuple[list[str], list[tuple]]:
    """Import, take the report and every row of every table, and roll back."""
    with transaction.atomic():
        report = write()
        assert report.batch is not None
        assert list(verify.problems()) == []
        rows = _rows(report.batch)
        transaction.set_rollback(True)
    return list(report.lines()), rows


def _rows(batch: ImportBatch) -> list[tuple]:
    """Every row of every table, ids by their order in their table; the batch's own id (in
    labels and references) and digest (a hash over ids) left out."""
    models = list(apps.get_app_config("passbook").get_models())
    order = {
        m: {pk: n for n, pk in enumerate(m.objects.order_by("pk").values_list("pk", flat=True))}
        for m in models
    }
    found = []
    for model in models:
        fields = [f for f in model._meta.concrete_fields if f.name != "digest"]
        for values in model.objects.order_by("pk").values_list(*(f.attname for f in fields)):
            found.append((model.__name__, *map(_kept(order, batch), fields, values)))
    return found


def _kept(order: dict, batch: ImportBatch) -> Callable[[Any, Any], Any]:
    def value(field: Any, value: Any) -> Any:
        if field.primary_key:
            return order[field.model].get(value)
        if isinstance(field, ForeignKey) and field.related_model in order:
            return order[field.related_model].get(value)
        if isinstance(value, str):
            return value.replace(batch.label, "BATCH").replace(f"import:{batch.id}", "import:B")
        return value

    return value


def run(sources: list[tuple[str, bytes, None]], **kw: Any) -> imports.Report:
    columns = imports.columns_for("generic")
    return imports.run(imports.read(sources, columns), columns=columns, commit=True, **kw)


def one_by_one(sources: list[tuple[str, bytes, None]]) -> imports.Report:
    imports.ONE_BY_ONE = True
    try:
        return run(sources)
    finally:
        imports.ONE_BY_ONE = False


@EXAMPLES
@given(customers=st.integers(0, 12), rows=st.lists(pass_rows, max_size=20), chunk=st.integers(1, 7))
def test_bulk_writes_what_one_by_one_writes(here, monkeypatch, customers, rows, chunk):
    monkeypatch.setattr(import_writes, "CHUNK", chunk)
    sources = files(customers, rows)
    with time_machine.travel(MOMENT, tick=False):
        bulk = outcome(lambda: run(sources))
        each = outcome(lambda: one_by_one(sources))
    assert bulk == each


def test_a_chunked_import_reports_progress_is_idempotent_and_undone(here, monkeypatch):
    monkeypatch.setattr(import_writes, "CHUNK", 4)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)
    rows = [{"owner": OWNERS[n % 4], "who": n, "product": n % 3, "purchased": date(2026, 5, 1),
             "days": True, "starts_after": 1, "total": None, "used": n % 4, "paid": "25.50"}
            for n in range(10)]  # fmt: skip
    sources = files(9, rows)
    told: list[tuple[int, int]] = []
    with time_machine.travel(MOMENT, tick=False):
        first = run(sources, progress=lambda done, total: told.append((done, total)))
        assert first.batch is not None
        assert first.batch.created["customers"] == 9 and first.batch.created["passes"] == 10
        # products one by one; customers 4, 4, 1; passes 4, 4, 2
        assert told == [(1, 21), (2, 21), (6, 21), (10, 21), (11, 21), (15, 21), (19, 21), (21, 21)]
        assert list(verify.problems()) == []
        assert Payment.objects.filter(reference=f"import:{first.batch.id}").count() == 10
        assert run(sources).batch is None  # the second run creates nothing
        import_undo.undo(first.batch.id)
    assert not Pass.objects.filter(import_batch=first.batch).exists()
    assert not Customer.objects.filter(import_batch=first.batch).exists()
    assert not PassEntry.objects.filter(reason__startswith=first.batch.label).exists()
    assert list(verify.problems()) == []


def test_the_statements_grow_with_the_chunks_not_the_rows(here, monkeypatch):
    """About seven statements a pass written one by one; a few per chunk in bulk."""
    rows = [{"owner": "file-id", "who": n, "product": n % 2, "purchased": date(2026, 5, 1),
             "days": False, "starts_after": 0, "total": None, "used": 1, "paid": "25.50"}
            for n in range(60)]  # fmt: skip
    monkeypatch.setattr(import_writes, "CHUNK", 1000)
    with time_machine.travel(MOMENT, tick=False), CaptureQueriesContext(connection) as ran:
        run(files(40, rows))
    assert len(ran) < 60


def test_the_command_shows_progress_a_chunk_at_a_time_as_plain_lines(here, tmp_path, monkeypatch):
    """Not a terminal (a log, a pipe): a plain line per report, no carriage returns."""
    monkeypatch.setattr(import_writes, "CHUNK", 4)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 4)
    rows = [{"owner": "file-id", "who": n, "product": 0, "purchased": date(2026, 5, 1),
             "days": False, "starts_after": 0, "total": None, "used": 0, "paid": None}
            for n in range(8)]  # fmt: skip
    paths = []
    for name, data, _ in files(8, rows):
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    err = io.StringIO()
    with time_machine.travel(MOMENT, tick=False):
        call_command("import", *paths, "--commit", stdout=io.StringIO(), stderr=err)
    assert "\r" not in err.getvalue()
    # 2 products one by one (the last one reported), then a line a chunk
    assert err.getvalue().splitlines() == [
        f"writing [{'#' * (30 * done // 18):-<30}] {done}/18 records" for done in (6, 10, 14, 18)
    ]
