"""Bring a studio over from another system: customers, pass products, live passes,
subscriptions and future bookings, read from CSV or XLSX files (tablib) through a preset's
column names (docs/import.md).

`plan()` reads the files and the database and says, row by row, what would be created,
what matches a record already here (by external id, then email or name) and what is
refused (row, column, reason). `run()` does that inside one transaction and writes only
when asked to and when nothing is refused (or only the valid rows are wanted). Imported
passes go through the ledger: a GRANT for their total, then HOLD and CONSUME for what was
used, each entry naming the import batch, so `passbook verify` stays clean. Imported
bookings hold their pass's credit as a booking made at the desk does (without the email).
"""

import csv
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from passbook import clock
from passbook.models import (
    Booking,
    Business,
    Customer,
    ImportBatch,
    Pass,
    PassProduct,
    Plan,
    Session,
    Subscription,
    User,
)
from passbook.models.catalog import StartRule
from passbook.models.fields import MOST_CREDITS
from passbook.models.imports import ImportedRecord
from passbook.rules.calendar import ValidityUnit, supported
from passbook.rules.ledger import EntryKind
from passbook.services import bookings, errors, import_undo, import_writes, ledger, locks
from passbook.services.subscriptions import UNIT

log = logging.getLogger("passbook.imports")

MAX_BYTES = 50 * 1024 * 1024  # per file
PROGRESS_EVERY = 500  # records written between two progress reports
# The order rows are planned and written in: what a row refers to comes before it.
KINDS = ("products", "customers", "passes", "subscriptions", "bookings")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE = re.compile(r"\+[0-9 ().-]+")

# Our field -> the column holding it, per preset and kind. `key` columns say which kind a
# file is when it is not named (customers=clients.csv).
PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "generic": {
        "customers": {
            "external_id": "external_id",
            "first_name": "first_name",
            "last_name": "last_name",
            "name": "name",
            "email": "email",
            "phone": "phone",
            "notes": "notes",
        },
        "products": {
            "external_id": "external_id",
            "name": "name",
            "price": "price",
            "credits": "credits",
            "validity_unit": "validity_unit",
            "validity_count": "validity_count",
            "start_rule": "start_rule",
        },
        "passes": {
            "external_id": "external_id",
            "customer_external_id": "customer_external_id",
            "customer_email": "customer_email",
            "product_external_id": "product_external_id",
            "product": "product",
            "purchased_on": "purchased_on",
            "starts_on": "starts_on",
            "expires_on": "expires_on",
            "total": "total",
            "used": "used",
            "remaining": "remaining",
            "price": "price",
            "amount_paid": "amount_paid",
            "voided_on": "voided_on",
        },
        "subscriptions": {
            "external_id": "external_id",
            "customer_external_id": "customer_external_id",
            "customer_email": "customer_email",
            "plan": "plan",
            "interval": "interval",
            "price": "price",
            "product_external_id": "product_external_id",
            "status": "status",
            "anchor": "anchor",
            "period_start": "period_start",
            "next_billing_on": "next_billing_on",
            "cancel_at_period_end": "cancel_at_period_end",
        },
        "bookings": {
            "external_id": "external_id",
            "customer_external_id": "customer_external_id",
            "customer_email": "customer_email",
            "class_type": "class_type",
            "session_starts_at": "session_starts_at",
            "pass_external_id": "pass_external_id",
            "status": "status",
        },
    },
    # Mindbody's field names, from its Public API v6 Client and ClientService models (a
    # client's pricing options); see docs/import.md for the sources and assumptions.
    "mindbody": {
        "customers": {
            "external_id": "Id",
            "first_name": "FirstName",
            "last_name": "LastName",
            "email": "Email",
            "phone": "MobilePhone",
            "notes": "Notes",
        },
        "products": {
            "external_id": "ProductId",
            "name": "Name",
            "price": "Price",
            "credits": "Count",
            "validity_unit": "ExpirationUnit",
            "validity_count": "ExpirationLength",
        },
        "passes": {
            "external_id": "Id",
            "customer_external_id": "ClientID",
            "product_external_id": "ProductId",
            "product": "Name",
            "purchased_on": "PaymentDate",
            "starts_on": "ActiveDate",
            "expires_on": "ExpirationDate",
            "total": "Count",
            "remaining": "Remaining",
        },
        # A client's contracts (ClientContract), flattened: the client's id beside each, and
        # the first of its UpcomingAutopayEvents' ScheduleDate as the next billing date.
        "subscriptions": {
            "external_id": "Id",
            "customer_external_id": "ClientId",
            "plan": "ContractName",
            "status": "AutopayStatus",
            "anchor": "StartDate",
            "next_billing_on": "ScheduleDate",
        },
        # A client's visits (Visit) still to come: ServiceId is the pricing option paying.
        "bookings": {
            "external_id": "Id",
            "customer_external_id": "ClientId",
            "class_type": "Name",
            "session_starts_at": "StartDateTime",
            "pass_external_id": "ServiceId",
        },
    },
}
# What tells each kind apart, in this order: a file holding all of a kind's key fields.
KEYS = {
    "bookings": ("external_id", "session_starts_at"),
    "subscriptions": ("external_id", "plan", "next_billing_on"),
    "passes": ("external_id", "purchased_on"),
    "products": ("name", "price"),
    "customers": ("external_id", "email"),
}
# Mindbody sells at the till, so a pricing option on file was paid for.
PAID_BY_DEFAULT = {"generic": False, "mindbody": True}
# A subscription's status, as either system writes it; cancelled ones are not imported.
STATUSES = {
    "": Subscription.Status.ACTIVE,
    "active": Subscription.Status.ACTIVE,
    "paused": Subscription.Status.PAUSED,
    "suspended": Subscription.Status.PAUSED,
    "cancelled": Subscription.Status.CANCELLED,
    "canceled": Subscription.Status.CANCELLED,
    "inactive": Subscription.Status.CANCELLED,
    "terminated": Subscription.Status.CANCELLED,
}


# -- reading files ------------------------------------------------------------------------


@dataclass
class Table:
    name: str  # as the report names it: the file, or file:member for a zip
    kind: str
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, header -> value)
    formula_cells: list[tuple[int, str]] = field(default_factory=list)


def _unreadable(name: str, message: str) -> errors.ImportUnreadable:
    return errors.ImportUnreadable(f"{name}: {message}", file=name)


def _dataset(name: str, data: bytes) -> tuple[tablib.Dataset, list[tuple[int, str]]]:
    """The file's first sheet as a tablib Dataset, and its formula cells (XLSX)."""
    if len(data) > MAX_BYTES:
        raise _unreadable(name, f"larger than {MAX_BYTES // (1024 * 1024)} MB; split the file.")
    if name.lower().endswith(".xlsx"):
        try:
            dataset = tablib.Dataset().load(io.BytesIO(data), format="xlsx")
            return dataset, _xlsx_formulas(data)
        except Exception:  # openpyxl raises many kinds for a damaged or foreign file
            raise _unreadable(name, "not a readable XLSX workbook.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _unreadable(
            name,
            f"not UTF-8 text (byte {data[exc.start]:#04x} on line {line}); "
            "save it as 'CSV UTF-8' and try again.",
        ) from None
    if "\x00" in text:
        raise _unreadable(name, "not a CSV file (it holds binary data).")
    try:
        return tablib.Dataset().load(text, format="csv"), []
    except Exception as exc:
        raise _unreadable(name, f"not a readable CSV file ({exc}).") from None


def _xlsx_formulas(data: bytes) -> list[tuple[int, str]]:
    """(row, header) of each formula cell on the active sheet: tablib reads their cached
    values (none, in a file no spreadsheet program saved), so they are looked for here."""
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    found = []
    headers: list[str] = []
    for number, row in enumerate(sheet.iter_rows(), start=1):
        if number == 1:
            headers = [str(c.value or "") for c in row]
            continue
        for index, cell in enumerate(row):
            if getattr(cell, "data_type", None) == "f":
                found.append((number, headers[index] if index < len(headers) else ""))
    return found


def _kind_of(headers: list[str], columns: Mapping[str, Mapping[str, str]]) -> str | None:
    for kind, keys in KEYS.items():
        if all(columns[kind].get(k) in headers for k in keys):
            return kind
    return None


def read(
    sources: Iterable[tuple[str, bytes, str | None]], columns: Mapping[str, Mapping[str, str]]
) -> list[Table]:
    """Tables from (file name, bytes, kind or None) sources; a zip (such as `passbook
    export` writes) gives its customers.csv, products.csv and passes.csv."""
    tables = []
    for name, data, kind in sources:
        if name.lower().endswith(".zip"):
            tables.extend(_read_zip(name, data, columns))
        else:
            tables.append(_table(name, data, kind, columns))
    return tables


def _read_zip(name: str, data: bytes, columns: Mapping[str, Mapping[str, str]]) -> list[Table]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _unreadable(name, "not a readable zip file.") from None
    tables = []
    with archive:
        for kind in KINDS:
            member = f"{kind}.csv"
            if member in archive.namelist():
                if archive.getinfo(member).file_size > MAX_BYTES:
                    raise _unreadable(f"{name}:{member}", "larger than 50 MB; split the file.")
                tables.append(_table(f"{name}:{member}", archive.read(member), kind, columns))
    if not tables:
        raise _unreadable(name, f"holds none of {', '.join(f'{k}.csv' for k in KINDS)}.")
    return tables


def _table(
    name: str, data: bytes, kind: str | None, columns: Mapping[str, Mapping[str, str]]
) -> Table:
    dataset, formulas = _dataset(name, data)
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    kind = kind or _kind_of(headers, columns)
    if kind is None:
        raise _unreadable(
            name,
            "cannot tell whether it holds customers, products, passes, subscriptions or "
            "bookings from its columns; name it (customers=FILE, bookings=FILE …) or check "
            "--preset.",
        )
    if kind not in KINDS:
        raise _unreadable(name, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}.")
    missing = [columns[kind][k] for k in KEYS[kind] if columns[kind].get(k) not in headers]
    if missing:
        raise _unreadable(name, f"no column {', '.join(map(repr, missing))} for {kind}.")
    rows = []
    for number, values in enumerate(dataset, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append((number, dict(zip(headers, values, strict=False))))
    return Table(name, kind, headers, rows, formulas)


def columns_for(preset: str, mapping: Mapping[str, Mapping[str, str]] | None = None) -> dict:
    """The preset's column names, with a mapping file's overrides (kind -> field -> column)."""
    if preset not in PRESETS:
        raise errors.InvalidInput(f"Unknown preset {preset!r}: use {', '.join(PRESETS)}.")
    merged = {kind: dict(cols) for kind, cols in PRESETS[preset].items()}
    for kind, fields in (mapping or {}).items():
        if kind not in merged or not isinstance(fields, dict):
            raise errors.InvalidInput(f"The mapping names an unknown kind {kind!r}.")
        merged[kind].update({str(k): str(v) for k, v in fields.items()})
    return merged


def load_mapping(path: str) -> dict:
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise errors.ImportUnreadable(f"{path}: not a readable JSON mapping ({exc}).") from None
    if not isinstance(mapping, dict):
        raise errors.ImportUnreadable(f"{path}: a mapping is an object: kind -> field -> column.")
    return mapping


# -- cells --------------------------------------------------------------------------------


class Refused(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


class Row:
    """One row's cells, read by field name through the column mapping."""

    def __init__(self, values: dict[str, Any], columns: Mapping[str, str]) -> None:
        self.values, self.columns = values, columns

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def raw(self, name: str) -> Any:
        return self.values.get(self.columns.get(name, "\x00"))

    def has(self, name: str) -> bool:
        return self.columns.get(name, "\x00") in self.values

    def text(self, name: str, *, most: int = 300) -> str:
        value = self.raw(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if text[:1] == "'" and text[1:2] and text[1] in FORMULA_STARTS:
            text = text[1:]  # written safe by a spreadsheet export (ours too): plain text
        elif text.startswith(FORMULA_STARTS) and not (name == "phone" and PHONE.fullmatch(text)):
            raise Refused(
                name,
                f"begins with {text[0]!r}: a spreadsheet would run it as a "
                "formula. Remove it, or start the cell with an apostrophe.",
            )
        if len(text) > most:
            raise Refused(name, f"longer than {most} characters.")
        return text

    def number(self, name: str, *, whole: bool = False) -> Decimal | None:
        value = self.raw(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = (
                Decimal(str(value).strip().replace(",", ""))
                if not isinstance(value, Decimal)
                else value
            )
        except InvalidOperation:
            raise Refused(name, f"{value!r} is not a number.") from None
        if not number.is_finite():
            raise Refused(name, f"{value!r} is not a number.")
        if number < 0:
            raise Refused(name, f"{value} is negative.")
        if whole and number != number.to_integral_value():
            raise Refused(name, f"{value} is not a whole number.")
        if number > MOST_CREDITS * 1000:
            raise Refused(name, f"{value} is too large.")
        return number.quantize(Decimal("0.01"))

    def day(self, name: str, *, us_style: bool = False) -> date | None:
        value = self.raw(name)
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        else:
            text = self.text(name)
            if not text:
                return None
            parsed = _parse_day(text, us_style)
            if parsed is None:
                style = "YYYY-MM-DD or M/D/YYYY" if us_style else "YYYY-MM-DD"
                raise Refused(name, f"{text!r} is not a date ({style}).")
            day = parsed
        if not supported(day):
            raise Refused(name, f"{day.isoformat()} is outside 2000-2099.")
        return day

    def moment(self, name: str, tz: tzinfo, *, us_style: bool = False) -> datetime | None:
        """A date and time; without an offset, in the studio's time zone."""
        value = self.raw(name)
        if not isinstance(value, datetime):
            text = self.text(name)
            if not text:
                return None
            value = _parse_moment(text, us_style)
            if value is None:
                style = (
                    "YYYY-MM-DDTHH:MM or M/D/YYYY h:mm:ss AM" if us_style else "YYYY-MM-DDTHH:MM"
                )
                raise Refused(name, f"{text!r} is not a date and time ({style}).")
        if not supported(value.date()):
            raise Refused(name, f"{value.date().isoformat()} is outside 2000-2099.")
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)

    def flag(self, name: str) -> bool:
        text = self.text(name).lower()
        if text not in ("", "yes", "no", "true", "false", "1", "0"):
            raise Refused(name, f"{text!r} is not yes or no.")
        return text in ("yes", "true", "1")


def _parse_day(text: str, us_style: bool) -> date | None:
    moment = _parse_moment(text, us_style, ("%m/%d/%Y",))
    return moment.date() if moment is not None else None


def _parse_moment(text: str, us_style: bool, more: tuple[str, ...] = ()) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if us_style:
        for style in (*more, "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M"):
            try:
                return datetime.strptime(text, style)
            except ValueError:
                continue
    return None


# -- the plan -----------------------------------------------------------------------------


@dataclass
class Refusal:
    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        column = f", column {self.column!r}" if self.column else ""
        return f"{self.file} row {self.row}{column}: {self.reason}"


@dataclass
class Item:
    kind: str
    file: str
    row: int
    action: str  # create, match or skip
    label: str
    values: dict[str, Any]
    existing: Any = None  # the record matched (match), or None
    note: str = ""


@dataclass
class Report:
    preset: str
    items: list[Item] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    batch: ImportBatch | None = None

    def count(self, kind: str, action: str) -> int:
        return sum(1 for i in self.items if i.kind == kind and i.action == action)

    def summary(self) -> list[str]:
        """A line per kind: always the first three, the others when the files held them."""
        created = "created" if self.batch is not None else "to create"
        given = {i.kind for i in self.items} | {"products", "customers", "passes"}
        return [
            f"{kind}: {self.count(kind, 'create')} {created}, "
            f"{self.count(kind, 'match')} matched, {self.count(kind, 'skip')} skipped"
            for kind in KINDS
            if kind in given
        ]

    def lines(self) -> Iterator[str]:
        yield from self.summary()
        for item in self.items:
            if item.action in ("match", "skip"):
                verb = "matched" if item.action == "match" else "skipped"
                yield f"  {verb} {ONE[item.kind]} {item.label} ({item.note})"
        yield f"refused rows: {len(self.refusals)}"
        for refusal in self.refusals:
            yield f"  {refusal}"

    def csv_rows(self) -> Iterator[list[object]]:
        for item in self.items:
            yield [item.file, item.row, item.kind, item.action, "", item.label, item.note]
        for r in self.refusals:
            yield [r.file, r.row, "", "refuse", r.column, "", r.reason]


ONE = {
    "customers": "customer",
    "products": "product",
    "passes": "pass",
    "subscriptions": "subscription",
    "bookings": "booking",
}
REPORT_HEADER = ["file", "row", "kind", "action", "column", "record", "reason"]


def _chunks(values: set[str], size: int = 500) -> Iterator[list[str]]:
    ordered = sorted(v for v in values if v)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _quiet(row: Row, name: str) -> str:
    """A cell's text for looking records up; a bad cell is refused later, with its row."""
    try:
        return row.text(name, most=254)
    except Refused:
        return ""


class _Known:
    """The records already in Passbook that the files' rows may match, read up front in a
    few queries (not one per row): by external id, and customers by email and products by
    name (case-insensitive; the oldest record wins)."""

    def __init__(
        self, tables: list[Table], columns: Mapping[str, Mapping[str, str]], preset: str
    ) -> None:
        ids: dict[str, set[str]] = {kind: set() for kind in KINDS}
        emails: set[str] = set()
        names: set[str] = set()
        self.tz = Business.current().tz
        moments: set[datetime | None] = set()
        for table in tables:
            for _number, values in table.rows:
                row = Row(values, columns[table.kind])
                if table.kind == "customers":
                    emails.add(_quiet(row, "email").lower())
                elif table.kind == "products":
                    names.add(_quiet(row, "name").lower())
                else:
                    ids["customers"].add(_quiet(row, "customer_external_id"))
                    emails.add(_quiet(row, "customer_email").lower())
                    ids["products"].add(_quiet(row, "product_external_id"))
                    names.add(_quiet(row, "product").lower())
                    ids["passes"].add(_quiet(row, "pass_external_id"))
                    moments.add(self._quiet_moment(row, preset))
                ids[table.kind].add(_quiet(row, "external_id"))
        self.customers = {
            c.external_id: c
            for chunk in _chunks(ids["customers"])
            for c in Customer.objects.filter(external_id__in=chunk)
        }
        self.products = {
            p.external_id: p
            for chunk in _chunks(ids["products"])
            for p in PassProduct.objects.filter(external_id__in=chunk)
        }
        self.passes = {
            p.external_id: p
            for chunk in _chunks(ids["passes"])
            for p in Pass.objects.filter(external_id__in=chunk)
        }
        self.customer_emails: dict[str, Customer] = {}
        for chunk in _chunks(emails):
            found = Customer.objects.annotate(key=Lower("email")).filter(key__in=chunk)
            for c in found.order_by("-id"):
                self.customer_emails[c.key] = c
        self.product_names: dict[str, PassProduct] = {}
        for chunk in _chunks(names):
            named = PassProduct.objects.annotate(key=Lower("name")).filter(key__in=chunk)
            for p in named.order_by("-id"):
                self.product_names[p.key] = p
        self.records = {
            (r.kind, r.external_id): r
            for kind, wanted in (("subscription", "subscriptions"), ("booking", "bookings"))
            for chunk in _chunks(ids[wanted])
            for r in ImportedRecord.objects.filter(kind=kind, external_id__in=chunk)
        }
        self.plans = {p.name.lower(): p for p in Plan.objects.order_by("-id")}
        self.sessions: dict[tuple[datetime, str], Session] = {}
        found_sessions = Session.objects.select_related("class_type").filter(
            starts_at__in=[m for m in moments if m is not None]
        )
        for s in found_sessions.order_by("-id"):  # two at one time and of one class: the oldest
            self.sessions[s.starts_at, s.class_type.name.lower()] = s

    def _quiet_moment(self, row: Row, preset: str) -> datetime | None:
        try:
            return row.moment("session_starts_at", self.tz, us_style=preset == "mindbody")
        except Refused:
            return None


class _Planner:
    def __init__(self, preset: str, columns: Mapping[str, Mapping[str, str]]) -> None:
        self.preset, self.columns = preset, columns
        self.report = Report(preset)
        # Valid rows of this import, by key, for the rows that refer to them.
        self.customers: dict[str, Item] = {}
        self.customer_emails: dict[str, Item] = {}
        self.products: dict[str, Item] = {}
        self.product_names: dict[str, Item] = {}
        self.pass_items: dict[str, Item] = {}
        self.subscription_items: dict[str, Item] = {}
        self.booking_items: dict[str, Item] = {}
        self.new_plans: dict[str, dict[str, Any]] = {}  # a plan named by rows, made once

    def refuse(self, table: Table, number: int, row: Row, refused: Refused) -> None:
        self.report.refusals.append(
            Refusal(table.name, number, row.column(refused.field), refused.reason)
        )

    def plan(self, tables: list[Table]) -> Report:
        self.known = _Known(tables, self.columns, self.preset)
        for kind in KINDS:
            for table in (t for t in tables if t.kind == kind):
                formulas = dict(table.formula_cells)
                for number, values in table.rows:
                    row = Row(values, self.columns[kind])
                    if number in formulas:
                        self.report.refusals.append(
                            Refusal(
                                table.name,
                                number,
                                formulas[number],
                                "a formula cell; paste its value instead.",
                            )
                        )
                        continue
                    try:
                        item = getattr(self, f"_{kind}")(table, number, row)
                    except Refused as refused:
                        self.refuse(table, number, row, refused)
                        continue
                    self.report.items.append(item)
        order = {t.name: KINDS.index(t.kind) for t in tables}
        self.report.refusals.sort(key=lambda r: (order.get(r.file, 0), r.file, r.row))
        return self.report

    def _customers(self, table: Table, number: int, row: Row) -> Item:
        external_id = row.text("external_id", most=100)
        first, last = row.text("first_name", most=100), row.text("last_name", most=100)
        if not first and row.has("name"):
            first, _, last = row.text("name", most=200).partition(" ")
        if not first:
            raise Refused("first_name" if row.has("first_name") else "name", "a name is needed.")
        if len(first) > 100 or len(last) > 100:
            raise Refused("name", "longer than 100 characters.")
        email = row.text("email", most=254).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise Refused("email", f"{email!r} is not an email address.") from None
        values = {
            "external_id": external_id,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": row.text("phone", most=40),
            "notes": row.text("notes", most=5000),
        }
        if external_id in self.customers:
            raise Refused("external_id", f"also on row {self.customers[external_id].row}.")
        if email and email in self.customer_emails:
            raise Refused("email", f"also on row {self.customer_emails[email].row}.")
        label = f"{first} {last}".strip() + (f" <{email}>" if email else "")
        item = Item("customers", table.name, number, "create", label, values)
        existing, how = None, ""
        if external_id:
            existing, how = self.known.customers.get(external_id), "external id"
        if existing is None and email:
            existing = self.known.customer_emails.get(email)
            how = "email"
        if existing is not None:
            item.action, item.existing, item.note = "match", existing, f"by {how}, #{existing.id}"
        if external_id:
            self.customers[external_id] = item
        if email:
            self.customer_emails[email] = item
        return item

    def _products(self, table: Table, number: int, row: Row) -> Item:
        external_id = row.text("external_id", most=100)
        name = row.text("name", most=120)
        if not name:
            raise Refused("name", "a name is needed.")
        price = row.number("price")
        if price is None:
            raise Refused("price", "a price is needed (0 for free).")
        credits = self._credits(row, "credits")
        unit, count = row.text("validity_unit").lower(), row.number("validity_count", whole=True)
        if unit and unit not in {u.value for u in ValidityUnit}:
            allowed = ", ".join(u.value for u in ValidityUnit)
            raise Refused("validity_unit", f"{unit!r} is not one of {allowed}.")
        if bool(unit) != bool(count):
            raise Refused("validity_count", "give both a number and a unit, or neither.")
        if count is not None and not 1 <= count <= 1000:
            raise Refused("validity_count", "between 1 and 1000.")
        start_rule = row.text("start_rule").lower() or StartRule.PURCHASE
        if start_rule not in (StartRule.PURCHASE, StartRule.FIRST_BOOKING):
            raise Refused("start_rule", "purchase or first_booking.")
        if external_id in self.products:
            raise Refused("external_id", f"also on row {self.products[external_id].row}.")
        values = {
            "external_id": external_id,
            "name": name,
            "price": price,
            "credits": credits,
            "validity_unit": unit,
            "validity_count": int(count) if count is not None else None,
            "start_rule": start_rule,
        }
        item = Item("products", table.name, number, "create", name, values)
        existing, how = None, ""
        if external_id:
            existing, how = self.known.products.get(external_id), "id"
        if existing is None:
            existing = self.known.product_names.get(name.lower())
            how = "name"
        if existing is not None:
            item.action, item.existing, item.note = "match", existing, f"by {how}, #{existing.id}"
        if external_id:
            self.products[external_id] = item
        self.product_names.setdefault(name.lower(), item)
        return item

    def _credits(self, row: Row, name: str) -> Decimal | None:
        """A credit total: blank or 'unlimited' is unlimited (None)."""
        if str(row.raw(name) or "").strip().lower() in ("", "unlimited"):
            return None
        credits = row.number(name)
        if credits is None or credits <= 0:
            raise Refused(name, "must be more than 0 (or 'unlimited').")
        if credits > MOST_CREDITS:
            raise Refused(name, f"at most {MOST_CREDITS:,} credits.")
        return credits

    def _customer_for(self, row: Row) -> tuple[Item | Customer, str]:
        external_id = row.text("customer_external_id", most=100)
        email = row.text("customer_email", most=254).lower()
        if external_id:
            if external_id in self.customers:
                return self.customers[external_id], "customer_external_id"
            found = self.known.customers.get(external_id)
            if found is not None:
                return found, "customer_external_id"
        if email:
            if email in self.customer_emails:
                return self.customer_emails[email], "customer_email"
            by_email = self.known.customer_emails.get(email)
            if by_email is not None:
                return by_email, "customer_email"
        if not external_id and not email:
            raise Refused("customer_external_id", "which customer? No customer id or email.")
        field_name = "customer_external_id" if external_id else "customer_email"
        raise Refused(field_name, f"no customer {external_id or email!r} in the files or here.")

    def _product_for(self, row: Row) -> Item | PassProduct:
        external_id = row.text("product_external_id", most=100)
        name = row.text("product", most=120)
        if external_id:
            if external_id in self.products:
                return self.products[external_id]
            found = self.known.products.get(external_id)
            if found is not None:
                return found
        if name:
            if name.lower() in self.product_names:
                return self.product_names[name.lower()]
            by_name = self.known.product_names.get(name.lower())
            if by_name is not None:
                return by_name
        if not external_id and not name:
            raise Refused("product", "which product? No product id or name.")
        raise Refused(
            "product_external_id" if external_id and not name else "product",
            f"unknown product {name or external_id!r}: add it to a products file first.",
        )

    def _passes(self, table: Table, number: int, row: Row) -> Item:
        us = self.preset == "mindbody"
        external_id = self._external_id(row, self.pass_items)
        customer, _ = self._customer_for(row)
        product = self._product_for(row)
        rules = (
            product.values
            if isinstance(product, Item)
            else {
                "credits": product.credits,
                "price": product.price,
                "start_rule": product.start_rule,
            }
        )
        purchased = row.day("purchased_on", us_style=us)
        if purchased is None:
            raise Refused("purchased_on", "the purchase date is needed.")
        starts = row.day("starts_on", us_style=us)
        if starts is None and rules["start_rule"] != StartRule.FIRST_BOOKING:
            starts = purchased
        expires = row.day("expires_on", us_style=us)
        if expires is not None and starts is not None and expires < starts:
            raise Refused("expires_on", f"{expires.isoformat()} is before the start.")
        has_total = str(row.raw("total") or "").strip() != ""
        total = self._credits(row, "total") if has_total else rules["credits"]
        used = row.number("used")
        if used is None and total is not None and row.number("remaining") is not None:
            remaining = row.number("remaining")
            assert remaining is not None
            if remaining > total:
                raise Refused("remaining", f"{remaining} is more than the total {total}.")
            used = total - remaining
        used = used or Decimal("0.00")
        if total is not None and used > total:
            raise Refused("used", f"{used} used is more than the total {total}.")
        price = row.number("price")
        price = rules["price"] if price is None else price
        paid = row.number("amount_paid")
        if paid is None:
            paid = price if PAID_BY_DEFAULT[self.preset] else Decimal("0.00")
        if paid > price:
            raise Refused("amount_paid", f"{paid} paid is more than the price {price}.")
        voided = row.day("voided_on", us_style=us) if row.has("voided_on") else None
        values = {
            "external_id": external_id,
            "customer": customer,
            "product": product,
            "purchased_on": purchased,
            "starts_on": starts,
            "expires_on": expires,
            "total": total,
            "used": used,
            "price": price,
            "amount_paid": paid,
        }
        label = f"{external_id} ({rules.get('name') or getattr(product, 'name', '')})"
        item = Item("passes", table.name, number, "create", label, values)
        existing = self.known.passes.get(external_id)
        if existing is not None:
            item.action, item.existing, item.note = "match", existing, f"by id, #{existing.id}"
        elif voided is not None:
            item.action, item.note = "skip", f"voided on {voided.isoformat()}"
        self.pass_items[external_id] = item
        return item

    def _external_id(self, row: Row, seen: Mapping[str, Item]) -> str:
        external_id = row.text("external_id", most=100)
        if not external_id:
            raise Refused("external_id", "needed, so that a second import does not add it again.")
        if external_id in seen:
            raise Refused("external_id", f"also on row {seen[external_id].row}.")
        return external_id

    def _kept(self, item: Item, seen: dict[str, Item], record_kind: str) -> Item:
        """Remember the row by its external id, and match it to a record a previous import
        made of it (bookings and subscriptions keep their external ids in ImportedRecord)."""
        external_id = item.values["external_id"]
        seen[external_id] = item
        record = self.known.records.get((record_kind, external_id))
        if record is not None and item.action == "create":
            item.action, item.existing = "match", record
            item.note = f"by id, imported in batch {record.batch_id}"
        return item

    def _skipped(self, kind: str, table: Table, number: int, label: str, note: str) -> Item:
        item = Item(kind, table.name, number, "skip", label, {"external_id": label})
        item.note = note
        return item

    def _subscriptions(self, table: Table, number: int, row: Row) -> Item:
        external_id = self._external_id(row, self.subscription_items)
        customer, _ = self._customer_for(row)
        status = STATUSES.get(row.text("status").lower())
        if status is None:
            raise Refused("status", f"{row.text('status')!r} is not active, paused or cancelled.")
        plan = self._plan_for(row)
        us = self.preset == "mindbody"
        next_billing = row.day("next_billing_on", us_style=us)
        if status == Subscription.Status.CANCELLED:
            note = "cancelled: nothing left to bill"
            skipped = self._skipped("subscriptions", table, number, external_id, note)
            return self._kept(skipped, self.subscription_items, "subscription")
        if next_billing is None:
            raise Refused("next_billing_on", "the next billing date is needed.")
        interval = plan.interval if isinstance(plan, Plan) else plan["interval"]
        anchor = row.day("anchor", us_style=us) or next_billing
        start = row.day("period_start", us_style=us) or next_billing - UNIT[interval]
        if not start < next_billing:
            raise Refused("period_start", "the period starts after its next billing date.")
        if anchor > next_billing:
            raise Refused("anchor", "periods are counted from a day after the next billing date.")
        values = {
            "external_id": external_id,
            "customer": customer,
            "plan": plan,
            "status": status,
            "anchor": anchor,
            "period_start": start,
            "period_end": next_billing,
            "cancel_at_period_end": row.flag("cancel_at_period_end"),
        }
        label = f"{external_id} ({plan.name if isinstance(plan, Plan) else plan['name']})"
        item = Item("subscriptions", table.name, number, "create", label, values)
        return self._kept(item, self.subscription_items, "subscription")

    def _plan_for(self, row: Row) -> Plan | dict[str, Any]:
        """The plan by name, or one the row describes (interval, price, product)."""
        name = row.text("plan", most=120)
        if not name:
            raise Refused("plan", "which plan? No plan name.")
        known = self.known.plans.get(name.lower()) or self.new_plans.get(name.lower())
        if known is not None:
            return known
        interval = row.text("interval").lower()
        if not interval:
            raise Refused("plan", f"unknown plan {name!r}: add it first, or give its interval.")
        if interval not in Plan.Interval.values:
            raise Refused("interval", f"{interval!r} is not one of week, month, year.")
        price = row.number("price")
        if price is None:
            raise Refused("price", "a new plan needs its price per period.")
        new = {
            "name": name,
            "interval": interval,
            "price": price,
            "product": self._product_for(row),
        }
        self.new_plans[name.lower()] = new
        return new

    def _bookings(self, table: Table, number: int, row: Row) -> Item:
        external_id = self._external_id(row, self.booking_items)
        status = row.text("status").lower()
        if status not in ("", Booking.Status.BOOKED):
            note = f"{status}: history, counted in its pass's used credits"
            skipped = self._skipped("bookings", table, number, external_id, note)
            return self._kept(skipped, self.booking_items, "booking")
        customer, _ = self._customer_for(row)
        session = self._session_for(row)
        if session.ends_at <= clock.now():
            skipped = self._skipped("bookings", table, number, external_id, "the session is over")
            return self._kept(skipped, self.booking_items, "booking")
        if session.is_cancelled:
            raise Refused("session_starts_at", "that session is cancelled.")
        values = {
            "external_id": external_id,
            "customer": customer,
            "session": session,
            "pass": self._pass_for(row),
        }
        label = f"{external_id} ({session.class_type.name} {session.starts_at.isoformat()})"
        item = Item("bookings", table.name, number, "create", label, values)
        return self._kept(item, self.booking_items, "booking")

    def _session_for(self, row: Row) -> Session:
        """The session already on the timetable at that time, of that class type: sessions
        are not imported (set up the timetable first)."""
        moment = row.moment("session_starts_at", self.known.tz, us_style=self.preset == "mindbody")
        if moment is None:
            raise Refused("session_starts_at", "when? The session's start is needed.")
        name = row.text("class_type", most=120)
        if not name:
            raise Refused("class_type", "which class? The class type's name is needed.")
        session = self.known.sessions.get((moment, name.lower()))
        if session is None:
            raise Refused(
                "session_starts_at",
                f"no {name!r} session starts at {moment.isoformat()}: "
                "add it to the timetable first.",
            )
        return session

    def _pass_for(self, row: Row) -> Item | Pass | None:
        """The pass named to pay, or None: the spend rule picks when the booking is made."""
        external_id = row.text("pass_external_id", most=100)
        if not external_id:
            return None
        found = self.pass_items.get(external_id) or self.known.passes.get(external_id)
        if found is None:
            raise Refused("pass_external_id", f"no pass {external_id!r} in the files or here.")
        if isinstance(found, Item) and found.action == "skip":
            raise Refused("pass_external_id", f"pass {external_id!r} is {found.note}.")
        return found


def plan(tables: list[Table], preset: str, columns: Mapping[str, Mapping[str, str]]) -> Report:
    return _Planner(preset, columns).plan(tables)


# -- writing ------------------------------------------------------------------------------


@transaction.atomic
def run(
    tables: list[Table],
    *,
    preset: str = "generic",
    columns: Mapping[str, Mapping[str, str]] | None = None,
    commit: bool = False,
    only_valid: bool = False,
    actor: User | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Plan the import and, when asked to, write it: all rows, or none when any is refused
    (unless `only_valid`). One transaction, so what was planned is what is written."""
    report = plan(tables, preset, columns or columns_for(preset))
    if report.refusals and not only_valid:
        return report  # nothing written: see refusal()
    if not any(i.action == "create" for i in report.items):
        return report
    try:
        if commit:
            report.batch = _write(report, tables, preset, actor, progress)
        elif report.count("bookings", "create"):
            _rehearse(report, tables, preset, actor)
    except BookingNotMade as refused:
        if commit:
            raise errors.ImportRefused(f"{refused.refusal} Nothing was written.") from None
        report.refusals.append(refused.refusal)
    return report


class BookingNotMade(Exception):
    """A booking row the desk could not make once the rows before it are written (the
    session full, no pass able to pay): the whole import is refused."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


class _Rehearsed(Exception):
    """Rolls a dry run's rehearsal back."""


def _rehearse(report: Report, tables: list[Table], preset: str, actor: User | None) -> None:
    """A dry run of a file with bookings writes everything, then rolls it back: whether a
    booking can be made is known only once the rows before it are written, and the dry
    run must refuse what the import would."""
    try:
        with transaction.atomic():
            _write(report, tables, preset, actor)
            raise _Rehearsed
    except _Rehearsed:
        pass


def refusal(report: Report, *, commit: bool, only_valid: bool) -> errors.ImportRefused | None:
    """The error a run ends with when rows were refused and so nothing was written."""
    if not report.refusals or only_valid:
        return None
    hint = " Fix them, or import only the valid rows (--only-valid)." if commit else ""
    return errors.ImportRefused(
        f"{len(report.refusals)} row(s) refused; nothing was written.{hint}"
    )


@Business.kept()  # one read of the time zone for the whole import, not one per pass
def _write(
    report: Report,
    tables: list[Table],
    preset: str,
    actor: User | None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    now = clock.now()
    batch = ImportBatch.objects.create(
        source=preset,
        files=", ".join(t.name for t in tables)[:500],
        created_at=now,
        created_by=actor,
    )
    # id(Item) -> the record it became; also the time zone and which products' rules are read
    made: dict[Any, Any] = {"tz": Business.current().tz}
    # The sessions booked into, locked before any customer (the lock order).
    made["sessions"] = locks.sessions(
        i.values["session"].id
        for i in report.items
        if i.kind == "bookings" and i.action == "create"
    )
    for item in report.items:
        if item.action == "match":
            made[id(item)] = item.existing
            _link(item)
    new = [i for i in report.items if i.action == "create"]
    tick = _ticker(len(new), progress)
    for kind in KINDS:
        items = [i for i in new if i.kind == kind]
        if kind in IN_BULK and not ONE_BY_ONE:
            IN_BULK[kind](items, batch, made, actor, tick)
            continue
        for item in items:
            made[id(item)] = CREATE[item.kind](item, batch, made, actor)
            tick(1)
    batch.created = {k: report.count(k, "create") for k in KINDS}
    import_writes.analyze()
    batch.digest = import_undo.digest(batch)
    batch.save(update_fields=["created", "digest"])
    log.info("%s: %s, by %s", batch.label, batch.created, actor or "the command line")
    return batch


def _link(item: Item) -> None:
    """A record matched by email or name, without an external id: remember the one it had
    in the other system, so that the next import matches it by id."""
    external_id = item.values.get("external_id")
    record = item.existing
    if (
        external_id
        and item.kind in ("customers", "products")
        and not record.external_id
        and not type(record).objects.filter(external_id=external_id).exists()
    ):
        record.external_id = external_id
        record.save(update_fields=["external_id"])


def _create_products(item: Item, batch: ImportBatch, made: dict, actor) -> PassProduct:
    v = item.values
    return PassProduct.objects.create(
        name=v["name"],
        price=v["price"],
        credits=v["credits"],
        validity_unit=v["validity_unit"],
        validity_count=v["validity_count"],
        start_rule=v["start_rule"],
        external_id=v["external_id"],
        import_batch=batch,
        online_purchasable=False,  # the studio decides what it sells online
    )


def _create_customers(item: Item, batch: ImportBatch, made: dict, actor) -> Customer:
    customer = import_writes.customer_for(item, batch)
    customer.save(force_insert=True)
    return customer


_made = import_writes.record_made


def _customer(record: Any, batch: ImportBatch, made: dict) -> Customer:
    customer = _made(record, made)
    if customer.import_batch_id != batch.id:
        customer = locks.customer(customer.id)  # an existing customer: what they own changes
    return customer


def _create_passes(item: Item, batch: ImportBatch, made: dict, actor) -> Pass:
    """One pass through the ledger, entry by entry (import_writes.write_passes writes the
    same a chunk at a time)."""
    customer = _customer(item.values["customer"], batch, made)
    p = import_writes.pass_for(item, batch, made, customer, actor)
    ledger.open_pass(p, actor=actor, reason=batch.label)
    used = item.values["used"]
    if used:
        ledger.append(p, EntryKind.HOLD, used, actor=actor, reason=batch.label)
        ledger.append(p, EntryKind.CONSUME, used, actor=actor, reason=batch.label)
    if p.amount_paid:
        import_writes.payment_for(p, batch, actor).save(force_insert=True)
    return p


def write_report(report: Report, stream: Any) -> None:
    """The report as CSV, safe to open in a spreadsheet."""
    from passbook.web.exports import safe_cell

    writer = csv.writer(stream)
    writer.writerow(REPORT_HEADER)
    writer.writerows([safe_cell(c) for c in row] for row in report.csv_rows())


def _create_subscriptions(item: Item, batch: ImportBatch, made: dict, actor) -> Subscription:
    """The subscription in its current period; the period's pass comes with the passes, and
    the renewal job issues the next one on the next billing date."""
    v = item.values
    sub = Subscription.objects.create(
        customer=_customer(v["customer"], batch, made),
        plan=_plan(v["plan"], batch, made),
        status=v["status"],
        anchor=v["anchor"],
        period_start=v["period_start"],
        period_end=v["period_end"],
        cancel_at_period_end=v["cancel_at_period_end"],
        created_at=clock.now(),
        created_by=actor,
    )
    ImportedRecord.objects.create(
        batch=batch,
        kind=ImportedRecord.Kind.SUBSCRIPTION,
        external_id=v["external_id"],
        subscription=sub,
    )
    return sub


def _plan(plan: Plan | dict[str, Any], batch: ImportBatch, made: dict) -> Plan:
    if isinstance(plan, Plan):
        return plan
    key = ("plan", plan["name"].lower())
    if key not in made:
        made[key] = Plan.objects.create(
            name=plan["name"],
            product=_made(plan["product"], made),
            interval=plan["interval"],
            price=plan["price"],
        )
        ImportedRecord.objects.create(
            batch=batch, kind=ImportedRecord.Kind.PLAN, external_id=plan["name"], plan=made[key]
        )
    return made[key]


def _create_bookings(item: Item, batch: ImportBatch, made: dict, actor) -> Booking:
    """A booking as the desk makes one: the spend rule's pass (or the one named) holds the
    session's credits; no confirmation email, since nothing changed for the customer."""
    v = item.values
    customer = _customer(v["customer"], batch, made)
    session = made["sessions"][v["session"].id]
    named = _made(v["pass"], made) if v["pass"] is not None else None
    try:
        bookings.check_bookable(customer, session)
        paying = bookings.paying_pass(customer, session, named.id if named else None)
    except errors.DomainError as exc:
        raise BookingNotMade(Refusal(item.file, item.row, "", exc.message)) from None
    if paying.starts_at is None:
        reason = f"{batch.label}: started on first booking"
        bookings.start_on_first_booking(paying, session, actor, reason)
    booking = Booking.objects.create(
        customer=customer,
        session=session,
        paid_by=Booking.PaidBy.PASS,
        customer_pass=paying,
        credits=session.credit_cost,
        created_at=clock.now(),
        created_by=actor,
    )
    ledger.append(
        paying,
        EntryKind.HOLD,
        session.credit_cost,
        booking=booking,
        actor=actor,
        reason=batch.label,
    )
    ImportedRecord.objects.create(
        batch=batch, kind=ImportedRecord.Kind.BOOKING, external_id=v["external_id"], booking=booking
    )
    return booking


def _ticker(total: int, progress: Callable[[int, int], None] | None) -> Callable[[int], None]:
    """Count records written and report every PROGRESS_EVERY of them, and the last."""
    done = 0
    told = 0

    def tick(more: int) -> None:
        nonlocal done, told
        done += more
        if progress is not None and (done - told >= PROGRESS_EVERY or done == total):
            progress(done, total)
            told = done

    return tick


# The kinds there are many of, written a chunk at a time; the others (and, when tests
# compare the two paths, every kind) one row at a time through CREATE.
IN_BULK = {
    "customers": import_writes.write_customers,
    "passes": import_writes.write_passes,
}
ONE_BY_ONE = False

CREATE = {
    "products": _create_products,
    "customers": _create_customers,
    "passes": _create_passes,
    "subscriptions": _create_subscriptions,
    "bookings": _create_bookings,
}
