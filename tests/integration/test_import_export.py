"""Importing a studio from another system (generic and Mindbody layouts), refusing bad
input with nothing written, and the round trip through `passbook export` and
`passbook import` into an empty Passbook (docs/import.md)."""

import csv
import io
import uuid
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import psycopg
import pytest

from passbook.models import Customer, ImportBatch, Pass, PassEntry, PassProduct, Payment
from passbook.services import exports, imports, verify
from passbook.services.errors import ImportRefused, ImportUnreadable
from tests.clirun import passbook, small_studio
from tests.factories import CustomerFactory
from tests.integration.helpers import fingerprint

D = Decimal
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def sources(folder: Path) -> list[tuple[str, bytes, None]]:
    return [(path.name, path.read_bytes(), None) for path in sorted(folder.glob("*.csv"))]


def run(files, *, preset="generic", commit=False, only_valid=False, mapping=None):
    """As `passbook import` does: read, plan (and write), and refuse when rows were refused."""
    columns = imports.columns_for(preset, mapping)
    report = imports.run(
        imports.read(files, columns),
        preset=preset,
        columns=columns,
        commit=commit,
        only_valid=only_valid,
    )
    refused = imports.refusal(report, commit=commit, only_valid=only_valid)
    if refused is not None:
        refused.report = report  # type: ignore[attr-defined]
        raise refused
    return report


def counts(report) -> dict[str, tuple[int, int]]:
    return {k: (report.count(k, "create"), report.count(k, "match")) for k in imports.KINDS}


def csv_bytes(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


CUSTOMERS = ["external_id", "first_name", "last_name", "email", "phone", "notes"]
PASSES = ["external_id", "customer_external_id", "product", "purchased_on", "total", "used"]


@pytest.fixture
def product(business):
    return PassProduct.objects.create(name="10-class pass", price=100, credits=10)


# -- the sample files ---------------------------------------------------------------------


def test_generic_sample_dry_run_then_import_then_nothing_new(business, pinned):
    before = fingerprint()
    dry = run(sources(SAMPLES / "generic"))
    assert fingerprint() == before  # a dry run writes nothing
    assert counts(dry) == {"products": (3, 0), "customers": (3, 0), "passes": (4, 0)}

    done = run(sources(SAMPLES / "generic"), commit=True)
    assert done.batch is not None and done.batch.created == {
        "products": 3,
        "customers": 3,
        "passes": 4,
    }
    assert list(verify.problems()) == []
    maya = Pass.objects.get(external_id="S-5001")
    assert (maya.total, maya.held, maya.used, maya.remaining) == (D(10), 0, D(4), D(6))
    assert maya.amount_paid == D(120) and maya.import_batch == done.batch
    assert maya.customer.external_id == "C-1001" and maya.source == Pass.Source.IMPORT
    kinds = list(maya.entries.values_list("kind", "amount", "reason"))
    label = done.batch.label
    assert kinds == [("grant", D(10), label), ("hold", D(4), label), ("consume", D(4), label)]
    unlimited = Pass.objects.get(external_id="S-5003")
    assert unlimited.total is None and unlimited.used == D(7)
    assert unlimited.customer.email == "priya.shah@example.com"
    assert unlimited.customer.notes == "- knee injury: no deep lunges"  # apostrophe undone
    owing = Pass.objects.get(external_id="S-5002")
    assert owing.amount_paid == D(30) and owing.payments.get().amount == D(30)

    again = fingerprint()
    second = run(sources(SAMPLES / "generic"), commit=True)
    assert second.batch is None
    assert counts(second) == {"products": (0, 3), "customers": (0, 3), "passes": (0, 4)}
    assert fingerprint() == again


def test_mindbody_sample_imports_with_its_own_column_names(business, pinned):
    dry = run(sources(SAMPLES / "mindbody"), preset="mindbody")
    assert counts(dry) == {"products": (3, 0), "customers": (3, 0), "passes": (3, 0)}
    run(sources(SAMPLES / "mindbody"), preset="mindbody", commit=True)
    assert list(verify.problems()) == []
    series = Pass.objects.get(external_id="777001")
    assert (series.total, series.used, series.remaining) == (D(10), D(4), D(6))  # Remaining 6
    assert series.amount_paid == series.price == D(180)  # sold at the till: paid
    assert str(series.expires_at.date()) == "2026-10-01"
    unlimited = Pass.objects.get(external_id="777002")
    assert unlimited.total is None and unlimited.product.validity_unit == "days"
    intro = Pass.objects.get(external_id="777003")  # M/D/YYYY dates
    assert str(intro.starts_at.date()) == "2026-05-28" and intro.used == 0
    assert Customer.objects.get(external_id="100000124").phone == "(415) 555-0102"
    second = run(sources(SAMPLES / "mindbody"), preset="mindbody", commit=True)
    assert second.batch is None and ImportBatch.objects.count() == 1


def test_existing_customer_is_matched_by_email_and_keeps_the_external_id(business, product):
    kept = CustomerFactory(email="ann@example.com")
    rows = [CUSTOMERS, ["X-1", "Ann", "Lee", "ANN@example.com", "", ""]]
    passes = [PASSES, ["PX-1", "X-1", "10-class pass", "2026-01-05", "", "2"]]
    report = run(
        [("c.csv", csv_bytes(rows), None), ("p.csv", csv_bytes(passes), None)], commit=True
    )
    assert counts(report)["customers"] == (0, 1)
    kept.refresh_from_db()
    assert kept.external_id == "X-1" and kept.passes.get().used == D(2)
    assert Customer.objects.count() == 1 and list(verify.problems()) == []


def test_a_mapping_file_names_other_columns(business, product):
    rows = [["Client", "Given", "Mail"], ["k-9", "Kim", "kim@example.com"]]
    mapping = {"customers": {"external_id": "Client", "first_name": "Given", "email": "Mail"}}
    report = run([("c.csv", csv_bytes(rows), "customers")], mapping=mapping, commit=True)
    assert counts(report)["customers"] == (1, 0)
    assert Customer.objects.get(external_id="k-9").email == "kim@example.com"


def test_xlsx_is_read_and_its_formula_cells_refused(business, product):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(CUSTOMERS)
    sheet.append(["x1", "Ann", "Lee", "ann@example.com", "+61 400 000 000", None])
    data = io.BytesIO()
    book.save(data)
    report = run([("clients.xlsx", data.getvalue(), None)])
    assert counts(report)["customers"] == (1, 0)
    sheet.append(["x2", "Ben", "Ng", "ben@example.com", "=A1", None])
    data = io.BytesIO()
    book.save(data)
    with pytest.raises(ImportRefused) as info:
        run([("clients.xlsx", data.getvalue(), None)], commit=True)
    [refusal] = info.value.report.refusals
    assert (refusal.row, refusal.column) == (3, "phone") and "formula" in refusal.reason
    assert Customer.objects.count() == 0


# -- bad input: a clear message, and nothing written --------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["x1", "Ann", "", "ann@example.com", "", "=HYPERLINK(1)"], "notes", "formula"),
        (["x1", "@SUM(1)", "", "ann@example.com", "", ""], "first_name", "formula"),
        (["x1", "Ann", "", "not-an-email", "", ""], "email", "not an email"),
        (["x1", "", "", "ann@example.com", "", ""], "first_name", "name is needed"),
    ],
)
def test_bad_customer_cells_are_refused_with_row_and_column(business, row, column, reason):
    before = fingerprint()
    rows = [CUSTOMERS, ["x0", "Zed", "", "zed@example.com", "", ""], row]
    with pytest.raises(ImportRefused) as info:
        run([("c.csv", csv_bytes(rows), None)], commit=True)
    [refusal] = info.value.report.refusals
    assert (refusal.file, refusal.row, refusal.column) == ("c.csv", 3, column)
    assert reason in refusal.reason
    assert fingerprint() == before


def test_duplicate_emails_inside_a_file_are_refused(business):
    rows = [
        CUSTOMERS,
        ["a", "Ann", "", "ann@example.com", "", ""],
        ["b", "Anne", "", "Ann@Example.com", "", ""],
    ]
    with pytest.raises(ImportRefused) as info:
        run([("c.csv", csv_bytes(rows), None)], commit=True)
    assert str(info.value.report.refusals[0]) == "c.csv row 3, column 'email': also on row 2."
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["p1", "c1", "Mystery pass", "2026-01-05", "", ""], "product", "unknown product"),
        (["p1", "c1", "10-class pass", "05/01/2026", "", ""], "purchased_on", "not a date"),
        (["p1", "c1", "10-class pass", "2026-02-30", "", ""], "purchased_on", "not a date"),
        (["p1", "c1", "10-class pass", "1999-12-31", "", ""], "purchased_on", "2000-2099"),
        (["p1", "c1", "10-class pass", "2026-01-05", "-3", ""], "total", "negative"),
        (["p1", "c1", "10-class pass", "2026-01-05", "", "-1"], "used", "negative"),
        (["p1", "c1", "10-class pass", "2026-01-05", "4", "5"], "used", "more than the total"),
        (["p1", "zz", "10-class pass", "2026-01-05", "", ""], "customer_external_id", "no cust"),
        (["", "c1", "10-class pass", "2026-01-05", "", ""], "external_id", "needed"),
    ],
)
def test_bad_pass_rows_are_refused_and_nothing_is_written(business, product, row, column, reason):
    before = fingerprint()
    customers = [CUSTOMERS, ["c1", "Ann", "", "ann@example.com", "", ""]]
    files = [("c.csv", csv_bytes(customers), None), ("p.csv", csv_bytes([PASSES, row]), None)]
    with pytest.raises(ImportRefused) as info:
        run(files, commit=True)
    [refusal] = info.value.report.refusals
    assert (refusal.file, refusal.row, refusal.column) == ("p.csv", 2, column)
    assert reason in refusal.reason
    assert fingerprint() == before


def test_only_valid_imports_the_good_rows_and_reports_the_rest(business, product):
    customers = [
        CUSTOMERS,
        ["c1", "Ann", "", "ann@example.com", "", ""],
        ["c2", "Ben", "", "ann@example.com", "", ""],  # duplicate email: refused
    ]
    passes = [
        PASSES,
        ["p1", "c1", "10-class pass", "2026-01-05", "", "1"],
        ["p2", "c2", "10-class pass", "2026-01-05", "", "1"],  # its customer was refused
    ]
    files = [("c.csv", csv_bytes(customers), None), ("p.csv", csv_bytes(passes), None)]
    report = run(files, commit=True, only_valid=True)
    assert [(r.file, r.row) for r in report.refusals] == [("c.csv", 3), ("p.csv", 3)]
    assert list(Pass.objects.values_list("external_id", flat=True)) == ["p1"]
    assert list(verify.problems()) == []
    out = io.StringIO()
    imports.write_report(report, out)
    assert "c.csv,3,,refuse,email,,also on row 2." in out.getvalue()


def test_unreadable_files_are_refused_before_anything_is_planned(business, monkeypatch):
    latin1 = "external_id,first_name,email\nx,Zoë,z@example.com\n".encode("latin-1")
    with pytest.raises(ImportUnreadable, match="not UTF-8 text .* line 2"):
        run([("c.csv", latin1, None)])
    with pytest.raises(ImportUnreadable, match="cannot tell whether"):
        run([("c.csv", b"colour,size\nred,2\n", None)])
    with pytest.raises(ImportUnreadable, match="not a readable XLSX"):
        run([("c.xlsx", b"PK not really", None)])
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    with pytest.raises(ImportUnreadable, match="larger than"):
        run([("c.csv", b"external_id,email\n" + b"x,y@example.com\n" * 100, None)])
    assert Customer.objects.count() == 0


# -- export -------------------------------------------------------------------------------


def test_export_writes_every_file_with_a_readme_and_safe_cells(business, product, pinned):
    CustomerFactory(first_name="=cmd|'/c calc'!A1", email="evil@example.com")
    out = io.BytesIO()
    exports.write_zip(out)
    archive = zipfile.ZipFile(out)
    names = set(archive.namelist())
    assert names == {
        "README.txt",
        *(
            f"{n}.csv"
            for n in [
                "customers",
                "products",
                "passes",
                "pass_entries",
                "bookings",
                "payments",
                "subscriptions",
                "vouchers",
                "credit_notes",
            ]
        ),
    }
    readme = archive.read("README.txt").decode()
    for name in names - {"README.txt"}:
        header = archive.read(name).decode().splitlines()[0].split(",")
        assert all(f"  {column}: " in readme for column in header), name
    customers = archive.read("customers.csv").decode()
    assert "'=cmd|" in customers


def _export(url: str, path: Path) -> dict[str, list[dict[str, str]]]:
    passbook("export", "--out", str(path), url=url)
    with zipfile.ZipFile(path) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode())))
            for name in ("customers", "products", "passes")
        }


KEPT = {  # what the round trip keeps exactly (held credits come back with bookings: TODO)
    "customers": ["first_name", "last_name", "email", "phone", "notes"],
    "products": ["name", "price", "credits", "validity_unit", "validity_count", "start_rule"],
    "passes": [
        "customer_email",
        "product",
        "purchased_on",
        "starts_on",
        "expires_on",
        "total",
        "used",
        "price",
        "amount_paid",
    ],
}


def _round_trip(tmp_path: Path, source: str, target: str) -> None:
    small_studio(source)
    first = _export(source, tmp_path / "first.zip")
    passbook("migrate", "-v0", url=target)
    dry = passbook("import", str(tmp_path / "first.zip"), url=target)
    assert "passes: 2 to create" in dry.stdout
    done = passbook("import", str(tmp_path / "first.zip"), "--commit", url=target)
    assert "Imported as import batch 1" in done.stdout
    assert "verify: OK — 2 passes" in passbook("verify", url=target).stdout
    again = passbook("import", str(tmp_path / "first.zip"), "--commit", url=target)
    assert "Nothing new to import." in again.stdout and "passes: 0 to create, 2 matched" in (
        again.stdout
    )
    second = _export(target, tmp_path / "second.zip")
    for name, columns in KEPT.items():
        assert [{c: r[c] for c in columns} for r in second[name]] == [
            {c: r[c] for c in columns} for r in first[name]
        ], name
    ann = next(r for r in first["passes"] if r["customer_email"] == "ann@example.com")
    assert (ann["total"], ann["used"], ann["amount_paid"]) == ("10.00", "1.00", "100.00")


def test_round_trip_through_export_and_import_on_sqlite(tmp_path):
    _round_trip(
        tmp_path,
        f"sqlite:///{tmp_path / 'studio.sqlite3'}",
        f"sqlite:///{tmp_path / 'new.sqlite3'}",
    )


@pytest.mark.postgres
def test_round_trip_through_export_and_import_on_postgres(tmp_path):
    base = "postgres://postgres@127.0.0.1:5432/"
    names = [f"passbook_rt_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = psycopg.connect(f"{base}postgres", autocommit=True)
    try:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        _round_trip(tmp_path, base + names[0], base + names[1])
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_entries_and_payments_of_an_import_name_their_batch(business, product, pinned):
    rows = [CUSTOMERS, ["c1", "Ann", "", "ann@example.com", "", ""]]
    passes = [PASSES + ["amount_paid"], ["p1", "c1", "10-class pass", "2026-01-05", "", "3", "40"]]
    report = run(
        [("c.csv", csv_bytes(rows), None), ("p.csv", csv_bytes(passes), None)], commit=True
    )
    batch = report.batch
    assert set(PassEntry.objects.values_list("reason", flat=True)) == {batch.label}
    assert Payment.objects.get().reference == f"import:{batch.id}"
