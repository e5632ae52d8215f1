"""Importing a studio from another system (generic and Mindbody layouts), refusing bad
input with nothing written, and the round trip through `passbook export` and
`passbook import` into an empty Passbook (docs/import.md)."""

import csv
import io
import re
import uuid
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import psycopg
import pytest
import time_machine

from passbook.models import (
    Booking,
    Customer,
    ImportBatch,
    OnlineCheckout,
    OnlineRefund,
    Pass,
    PassEntry,
    PassProduct,
    Payment,
    Plan,
    Subscription,
    WaitlistEntry,
)
from passbook.services import exports, imports, passes, verify
from passbook.services.errors import ImportRefused, ImportUnreadable
from tests.clirun import passbook, small_studio
from tests.factories import ClassTypeFactory, CustomerFactory, SessionFactory
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


def none_of(*kinds: str) -> dict[str, tuple[int, int]]:
    return {k: (0, 0) for k in kinds}


def csv_bytes(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


CUSTOMERS = ["external_id", "first_name", "last_name", "email", "phone", "notes"]
PASSES = ["external_id", "customer_external_id", "product", "purchased_on", "total", "used"]


@pytest.fixture
def product(business):
    return PassProduct.objects.create(name="10-class pass", price=100, credits=10)


# The samples are a studio in June 2026; their bookings are for sessions on its timetable.
SAMPLES_MOMENT = datetime(2026, 6, 10, 9, tzinfo=UTC)


def make_timetable() -> None:
    for name, start in (("Yoga", (6, 11, 18, 0)), ("Pilates", (6, 12, 9, 30))):
        starts = datetime(2026, *start, tzinfo=UTC)
        SessionFactory(class_type=ClassTypeFactory(name=name), starts_at=starts)


@pytest.fixture
def timetable(business):
    with time_machine.travel(SAMPLES_MOMENT, tick=False):
        make_timetable()
        yield


# -- the sample files ---------------------------------------------------------------------


def test_generic_sample_dry_run_then_import_then_nothing_new(timetable):
    before = fingerprint()
    dry = run(sources(SAMPLES / "generic"))
    assert fingerprint() == before  # a dry run writes nothing
    assert counts(dry) == {
        "products": (3, 0),
        "customers": (3, 0),
        "passes": (4, 0),
        "subscriptions": (2, 0),
        "bookings": (3, 0),
    }
    assert dry.count("subscriptions", "skip") == dry.count("bookings", "skip") == 1

    done = run(sources(SAMPLES / "generic"), commit=True)
    assert done.batch is not None and done.batch.created == {
        "products": 3,
        "customers": 3,
        "passes": 4,
        "subscriptions": 2,
        "bookings": 3,
    }
    assert list(verify.problems()) == []
    maya = Pass.objects.get(external_id="S-5001")
    assert (maya.total, maya.held, maya.used, maya.remaining) == (D(10), D(1), D(4), D(5))
    assert maya.amount_paid == D(120) and maya.import_batch == done.batch
    assert maya.customer.external_id == "C-1001" and maya.source == Pass.Source.IMPORT
    kinds = list(maya.entries.values_list("kind", "amount", "reason"))
    label = done.batch.label
    assert kinds == [
        ("grant", D(10), label),
        ("hold", D(4), label),
        ("consume", D(4), label),
        ("hold", D(1), label),  # booked into tomorrow's Yoga, as the desk books
    ]
    booked = Booking.objects.get(customer_pass=maya)
    assert (booked.session.class_type.name, booked.status) == ("Yoga", "booked")
    tom = Pass.objects.get(external_id="S-5002")
    assert tom.held == D(1)  # no pass named: the spend rule chose his only one
    priya = Subscription.objects.get(customer__email="priya.shah@example.com")
    assert (priya.status, priya.anchor, priya.period_start, priya.period_end) == (
        "active",
        datetime(2026, 1, 1).date(),
        datetime(2026, 6, 1).date(),
        datetime(2026, 7, 1).date(),
    )
    assert priya.plan.name == "Unlimited monthly" and priya.plan.product.name == "Unlimited month"
    assert Subscription.objects.get(customer__external_id="C-1002").status == "paused"
    assert Plan.objects.count() == 1
    unlimited = Pass.objects.get(external_id="S-5003")
    assert unlimited.total is None and unlimited.used == D(7)
    assert unlimited.customer.email == "priya.shah@example.com"
    assert unlimited.customer.notes == "- knee injury: no deep lunges"  # apostrophe undone
    owing = Pass.objects.get(external_id="S-5002")
    assert owing.amount_paid == D(30) and owing.payments.get().amount == D(30)

    again = fingerprint()
    second = run(sources(SAMPLES / "generic"), commit=True)
    assert second.batch is None
    assert counts(second) == {
        "products": (0, 3),
        "customers": (0, 3),
        "passes": (0, 4),
        "subscriptions": (0, 2),
        "bookings": (0, 3),
    }
    assert fingerprint() == again


def test_mindbody_sample_imports_with_its_own_column_names(timetable):
    monthly = PassProduct.objects.create(name="Monthly unlimited", price=120, credits=None)
    Plan.objects.create(name="Monthly Unlimited", product=monthly, interval="month", price=120)
    dry = run(sources(SAMPLES / "mindbody"), preset="mindbody")
    assert counts(dry) == {
        "products": (3, 0),
        "customers": (3, 0),
        "passes": (3, 0),
        "subscriptions": (2, 0),
        "bookings": (3, 0),
    }
    run(sources(SAMPLES / "mindbody"), preset="mindbody", commit=True)
    assert list(verify.problems()) == []
    series = Pass.objects.get(external_id="777001")
    # Remaining 6, of which one is now held by tomorrow's Yoga
    assert (series.total, series.used, series.held) == (D(10), D(4), D(1))
    omar = Subscription.objects.get(customer__external_id="100000124")
    assert (omar.status, omar.period_start, omar.period_end) == (
        "active",
        datetime(2026, 5, 15).date(),
        datetime(2026, 6, 15).date(),
    )
    assert Subscription.objects.get(customer__external_id="100000123").status == "paused"
    pilates = Booking.objects.get(session__class_type__name="Pilates")  # 6/12/2026 9:30:00 AM
    assert pilates.customer_pass.external_id == "777003"
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
                "waitlist",
                "online_checkouts",
                "online_refunds",
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
            for name in ("customers", "products", "passes", "subscriptions", "bookings")
        }


# Ben also subscribes to a monthly plan (its first pass is issued at once).
SUBSCRIBE = """
from passbook.models import Customer, PassProduct, Plan
from passbook.services import subscriptions
ten = PassProduct.objects.get(name="10-class pass")
plan = Plan.objects.create(name="Monthly 10", product=ten, interval="month", price=90)
subscriptions.start(Customer.objects.get(first_name="Ben").id, plan.id)
"""
# Sessions are not exported as something to import: the new Passbook's timetable is set
# up first, with the same class at the same time.
TIMETABLE = """
from datetime import datetime
from passbook.models import Business, Category, ClassType
from passbook.services import schedule
business = Business.current()
business.time_zone = "Europe/London"
business.save()
yoga = ClassType.objects.create(
    name="Yoga", category=Category.objects.create(name="Yoga"), capacity=8
)
for moment in {moments!r}:
    schedule.create_session(schedule.SessionInput(yoga, datetime.fromisoformat(moment)))
"""


def _live(bookings: list[dict[str, str]]) -> list[dict[str, str]]:
    return [b for b in bookings if b["status"] == "booked"]


KEPT = {  # what the round trip keeps exactly
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
        "held",
        "remaining",
        "price",
        "amount_paid",
    ],
    "subscriptions": [
        "external_id",
        "customer_external_id",
        "plan",
        "interval",
        "price",
        "status",
        "anchor",
        "period_start",
        "next_billing_on",
        "cancel_at_period_end",
    ],
    "bookings": [
        "external_id",
        "customer_external_id",
        "class_type",
        "session_starts_at",
        "status",
        "paid_by",
        "pass_external_id",
        "credits",
    ],
}


def _round_trip(tmp_path: Path, source: str, target: str) -> None:
    small_studio(source)
    passbook("shell", "-c", SUBSCRIBE, url=source)
    first = _export(source, tmp_path / "first.zip")
    passbook("migrate", "-v0", url=target)
    moments = sorted({b["session_starts_at"] for b in _live(first["bookings"])})
    passbook("shell", "-c", TIMETABLE.format(moments=moments), url=target)
    dry = passbook("import", str(tmp_path / "first.zip"), url=target)
    assert "passes: 3 to create" in dry.stdout and "bookings: 2 to create" in dry.stdout
    assert "subscriptions: 1 to create" in dry.stdout
    done = passbook("import", str(tmp_path / "first.zip"), "--commit", url=target)
    # (the batch's number: the dry run's rehearsal, rolled back, may have used one)
    assert re.search(r"Imported as import batch \d+ \(generic\)", done.stdout)
    assert "verify: OK — 3 passes" in passbook("verify", url=target).stdout
    again = passbook("import", str(tmp_path / "first.zip"), "--commit", url=target)
    assert "Nothing new to import." in again.stdout and "passes: 0 to create, 3 matched" in (
        again.stdout
    )
    second = _export(target, tmp_path / "second.zip")
    first["bookings"], second["bookings"] = _live(first["bookings"]), _live(second["bookings"])
    for name, columns in KEPT.items():
        assert [{c: r[c] for c in columns} for r in second[name]] == [
            {c: r[c] for c in columns} for r in first[name]
        ], name
    ann = next(r for r in first["passes"] if r["customer_email"] == "ann@example.com")
    assert (ann["total"], ann["used"], ann["held"]) == ("10.00", "1.00", "1.00")
    assert ann["amount_paid"] == "100.00" and len(first["bookings"]) == 2


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


# -- subscriptions and future bookings ----------------------------------------------------

PRODUCTS = ["external_id", "name", "price", "credits"]
BOOKINGS = ["external_id", "customer_external_id", "class_type", "session_starts_at"]
SUBSCRIPTIONS = ["external_id", "customer_external_id", "plan", "interval", "price"]
SUBSCRIPTIONS += ["product_external_id", "status", "next_billing_on"]
YOGA = "2026-06-11T18:00:00+00:00"


def studio_files(kind: str, header: list[str], *rows: list[str]) -> list[tuple]:
    customers = [CUSTOMERS, ["c1", "Ann", "", "ann@example.com", "", ""]]
    products = [PRODUCTS, ["P1", "Ten", "100", "10"]]
    passes = [PASSES + ["product_external_id"], ["p1", "c1", "", "2026-06-01", "", "", "P1"]]
    return [
        ("c.csv", csv_bytes(customers), None),
        ("pr.csv", csv_bytes(products), None),
        ("pa.csv", csv_bytes(passes), None),
        (f"{kind}.csv", csv_bytes([header, *rows]), kind),
    ]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["b1", "c1", "Yoga", "2026-06-11T19:00:00+00:00", ""], "session_starts_at", "no 'Yoga'"),
        (["b1", "c1", "Yoga", "tomorrow", ""], "session_starts_at", "not a date and time"),
        (["b1", "c1", "", YOGA, ""], "class_type", "name is needed"),
        (["b1", "c1", "Yoga", YOGA, "zz"], "pass_external_id", "no pass 'zz'"),
        (["", "c1", "Yoga", YOGA, ""], "external_id", "needed"),
        (["b1", "zz", "Yoga", YOGA, ""], "customer_external_id", "no customer"),
    ],
)
def test_bad_booking_rows_are_refused(timetable, row, column, reason):
    before = fingerprint()
    files = studio_files("bookings", BOOKINGS + ["pass_external_id"], row)
    with pytest.raises(ImportRefused) as info:
        run(files, commit=True)
    [refusal] = info.value.report.refusals
    assert (refusal.file, refusal.row, refusal.column) == ("bookings.csv", 2, column)
    assert reason in refusal.reason
    assert fingerprint() == before


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["m1", "c1", "Gold", "", "", "", "active", "2026-07-01"], "plan", "unknown plan"),
        (["m1", "c1", "Gold", "fortnight", "9", "P1", "", "2026-07-01"], "interval", "week, mo"),
        (["m1", "c1", "Gold", "month", "", "P1", "active", "2026-07-01"], "price", "price per"),
        (["m1", "c1", "Gold", "month", "9", "P1", "frozen", "2026-07-01"], "status", "not active"),
        (["m1", "c1", "Gold", "month", "9", "P1", "active", ""], "next_billing_on", "is needed"),
        (["m1", "c1", "Gold", "month", "9", "P1", "active", "1/7/26"], "next_billing_on", "date"),
    ],
)
def test_bad_subscription_rows_are_refused(timetable, row, column, reason):
    before = fingerprint()
    with pytest.raises(ImportRefused) as info:
        run(studio_files("subscriptions", SUBSCRIPTIONS, row), commit=True)
    [refusal] = info.value.report.refusals
    assert (refusal.file, refusal.row, refusal.column) == ("subscriptions.csv", 2, column)
    assert reason in refusal.reason
    assert fingerprint() == before


def test_a_booking_no_pass_can_pay_refuses_the_whole_import(timetable):
    before = fingerprint()
    rows = [["b1", "c2", "Yoga", YOGA]]
    files = studio_files("bookings", BOOKINGS, *rows)
    files[0] = ("c.csv", csv_bytes([CUSTOMERS, ["c2", "Bo", "", "", "", ""]]), None)
    files[2] = ("pa.csv", csv_bytes([PASSES]), "passes")
    with pytest.raises(ImportRefused, match=r"bookings.csv row 2: .* Nothing was written."):
        run(files, commit=True)
    assert fingerprint() == before
    # The dry run says so too (it writes everything, then rolls it back).
    with pytest.raises(ImportRefused, match=r"1 row\(s\) refused") as refused:
        run(files)
    [why] = refused.value.report.refusals  # type: ignore[attr-defined]
    assert (why.file, why.row) == ("bookings.csv", 2) and "pass" in why.reason
    assert fingerprint() == before


def test_bookings_of_the_past_or_cancelled_are_history(timetable):
    rows = [
        ["b1", "c1", "Yoga", YOGA, "cancelled"],
        ["b2", "c1", "Yoga", YOGA, "booked"],
        ["b2", "c1", "Yoga", YOGA, "booked"],
    ]
    with pytest.raises(ImportRefused) as info:
        run(studio_files("bookings", BOOKINGS + ["status"], *rows))
    assert [(r.row, r.column, r.reason) for r in info.value.report.refusals] == [
        (4, "external_id", "also on row 3.")
    ]
    report = info.value.report
    assert report.count("bookings", "skip") == 1 and report.count("bookings", "create") == 1


def test_export_writes_waitlists_and_online_checkouts_and_refunds(business, product, pinned):
    ann = CustomerFactory(external_id="C-9")
    session = SessionFactory(class_type=ClassTypeFactory(name="Yoga"))
    WaitlistEntry.objects.create(session=session, customer=ann, joined_at=session.starts_at)
    bought = passes.sell(ann.id, product.id)
    checkout = OnlineCheckout.objects.create(
        customer_pass=bought,
        intent_id="pi_1",
        client_secret="pi_1_secret_x",
        amount=100,
        currency="usd",
        status="paid",
        created_at=session.starts_at,
        updated_at=session.starts_at,
    )
    OnlineRefund.objects.create(
        checkout=checkout, amount=40, refund_id="re_1", requested_at=session.starts_at
    )
    out = io.BytesIO()
    exports.write_zip(out)
    archive = zipfile.ZipFile(out)

    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode())))

    [waiting] = rows("waitlist")
    assert (waiting["customer_external_id"], waiting["class_type"], waiting["status"]) == (
        "C-9",
        "Yoga",
        "waiting",
    )
    [paid] = rows("online_checkouts")
    assert (paid["intent_id"], paid["amount"], paid["status"]) == ("pi_1", "100.00", "paid")
    assert "secret" not in archive.read("online_checkouts.csv").decode()
    [refund] = rows("online_refunds")
    assert (refund["checkout_id"], refund["amount"], refund["refund_id"]) == (
        str(checkout.id),
        "40.00",
        "re_1",
    )
