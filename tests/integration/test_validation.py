"""Catalog and settings reject inconsistent rules with a message on the field."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from passbook.models import Business
from tests.factories import ProductFactory


def _errors(obj) -> dict:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"validity_unit": "months", "validity_count": None}, "validity_count"),
        (
            {"validity_unit": "days", "validity_count": 5, "valid_until": date(2027, 1, 1)},
            "valid_until",
        ),
        ({"start_rule": "fixed_date", "start_date": None}, "start_date"),
        (
            {
                "start_rule": "fixed_date",
                "start_date": date(2027, 2, 1),
                "validity_unit": "",
                "validity_count": None,
                "valid_until": date(2027, 1, 1),
            },
            "valid_until",
        ),
        ({"price": -1}, "price"),
        ({"credits": 0}, "credits"),
    ],
)
def test_inconsistent_product_rules(db, fields, field):
    assert field in _errors(ProductFactory.build(**fields))


def test_a_consistent_product_is_valid(db):
    ProductFactory.build(credits=None, max_per_day=1).full_clean()


def test_time_zone_must_be_iana(business):
    business.time_zone = "Mars/Olympus"
    assert "not an IANA time zone" in _errors(business)["time_zone"][0]
    business.time_zone = "Australia/Sydney"
    business.full_clean()
    assert str(Business.current().tz) == "UTC"  # nothing saved by validating
