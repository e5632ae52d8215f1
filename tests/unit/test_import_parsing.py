"""Reading one cell of an import file: text (formula-safe), numbers and days."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from passbook.services.imports import PRESETS, Refused, Row, _kind_of

COLUMNS = {"name": "Name", "phone": "Phone", "used": "Used", "day": "Day", "notes": "Notes"}


def row(**cells) -> Row:
    return Row({COLUMNS[k]: v for k, v in cells.items()}, COLUMNS)


def refusal(read) -> Refused:
    with pytest.raises(Refused) as info:
        read()
    return info.value


def test_text_is_stripped_and_an_exports_apostrophe_taken_off():
    assert row(name="  Ann ").text("name") == "Ann"
    assert row(notes="'- knee").text("notes") == "- knee"
    assert row(notes="'plain").text("notes") == "'plain"  # not a formula: kept as it is
    assert row(name=None).text("name") == "" and row().text("name") == ""
    assert row(name=12.0).text("name") == "12"  # an XLSX number read as text


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x"])
def test_formula_cells_are_refused(cell):
    refused = refusal(lambda: row(notes=cell).text("notes"))
    assert refused.field == "notes" and "formula" in refused.reason


def test_a_phone_number_may_start_with_a_plus_but_not_hide_a_formula():
    assert row(phone="+44 (20) 7946-0000").text("phone") == "+44 (20) 7946-0000"
    assert "formula" in refusal(lambda: row(phone="+1+cmd|x").text("phone")).reason


def test_numbers():
    assert row(used="3").number("used") == Decimal("3.00")
    assert row(used=2.5).number("used") == Decimal("2.50")
    assert row(used="1,200").number("used") == Decimal("1200.00")
    assert row(used="").number("used") is None
    assert "negative" in refusal(lambda: row(used="-1").number("used")).reason
    assert "not a number" in refusal(lambda: row(used="three").number("used")).reason
    assert "not a number" in refusal(lambda: row(used="NaN").number("used")).reason
    assert "whole" in refusal(lambda: row(used="1.5").number("used", whole=True)).reason


def test_days():
    assert row(day="2026-05-01").day("day") == date(2026, 5, 1)
    assert row(day="2026-05-28T14:30:00Z").day("day") == date(2026, 5, 28)
    assert row(day=datetime(2026, 5, 2, 9)).day("day") == date(2026, 5, 2)  # from XLSX
    assert row(day="5/28/2026").day("day", us_style=True) == date(2026, 5, 28)
    assert "not a date" in refusal(lambda: row(day="5/28/2026").day("day")).reason
    assert "not a date" in refusal(lambda: row(day="2026-02-30").day("day")).reason
    assert "2000-2099" in refusal(lambda: row(day="2100-01-01").day("day")).reason
    assert row(day=" ").day("day") is None


def test_what_a_file_holds_is_told_from_its_columns():
    generic, mindbody = PRESETS["generic"], PRESETS["mindbody"]
    assert _kind_of(["external_id", "email", "first_name"], generic) == "customers"
    assert _kind_of(["name", "price", "credits"], generic) == "products"
    assert _kind_of(["external_id", "purchased_on", "total"], generic) == "passes"
    assert _kind_of(["Id", "ClientID", "PaymentDate", "Name", "Count"], mindbody) == "passes"
    assert _kind_of(["ProductId", "Name", "Price", "Count"], mindbody) == "products"
    assert _kind_of(["Id", "FirstName", "Email"], mindbody) == "customers"
    assert _kind_of(["colour"], generic) is None
