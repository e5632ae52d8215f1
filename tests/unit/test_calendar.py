"""Expiry dates are whole days in the business's time zone."""

from datetime import date

import pytest

from passbook.rules.calendar import (
    Validity,
    ValidityUnit,
    days_not_yet_covered,
    end_of_day,
    window,
)
from passbook.rules.facts import PassFacts
from passbook.rules.spend import ReasonCode, disqualification
from passbook.rules.status import PassStatus, pass_status
from tests.unit.helpers import ZoneInfo, a_pass, a_session, at

SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.mark.parametrize(
    ("first", "unit", "count", "last"),
    [
        (date(2026, 1, 15), ValidityUnit.DAYS, 10, date(2026, 1, 24)),
        (date(2026, 1, 15), ValidityUnit.WEEKS, 2, date(2026, 1, 28)),
        (date(2026, 1, 15), ValidityUnit.MONTHS, 1, date(2026, 2, 14)),
        (date(2026, 3, 1), ValidityUnit.MONTHS, 1, date(2026, 3, 31)),
        (date(2026, 1, 31), ValidityUnit.MONTHS, 1, date(2026, 2, 28)),  # clamped month end
        (date(2028, 1, 31), ValidityUnit.MONTHS, 1, date(2028, 2, 29)),  # leap year
        (date(2026, 11, 1), ValidityUnit.MONTHS, 3, date(2027, 1, 31)),
    ],
)
def test_validity_counts_whole_days_from_the_first(first, unit, count, last):
    assert Validity(unit, count).last_day(first) == last


def test_a_fixed_last_day_wins_and_no_validity_never_expires():
    assert Validity(until=date(2026, 6, 30)).last_day(date(2026, 1, 1)) == date(2026, 6, 30)
    assert Validity().last_day(date(2026, 1, 1)) is None


def test_window_runs_from_local_midnight_to_the_last_instant_of_the_last_day():
    starts, expires = window(date(2026, 6, 1), Validity(ValidityUnit.DAYS, 30), SYDNEY)
    assert starts == at(2026, 6, 1, tz=SYDNEY)
    assert expires == at(2026, 6, 30, 23, 59, 59, 999999, tz=SYDNEY)


def _until_30_june_in_sydney() -> PassFacts:
    p = a_pass(starts=(2026, 1, 1), expires=None)
    return PassFacts(**{**p.__dict__, "expires_at": end_of_day(date(2026, 6, 30), SYDNEY)})


def test_a_pass_valid_until_30_june_in_sydney_pays_for_2330_on_30_june():
    late_class = a_session((2026, 6, 30, 23, 30), tz=SYDNEY)
    assert disqualification(_until_30_june_in_sydney(), late_class, SYDNEY) is None


def test_but_not_for_0030_on_1_july_although_it_is_still_30_june_in_utc():
    early_class = a_session((2026, 7, 1, 0, 30), tz=SYDNEY)
    assert early_class.starts_at.astimezone(ZoneInfo("UTC")).date() == date(2026, 6, 30)
    verdict = disqualification(_until_30_june_in_sydney(), early_class, SYDNEY)
    assert verdict.code is ReasonCode.EXPIRED
    assert verdict.message == "expired 30 June 2026"


def test_status_turns_expired_at_local_midnight():
    p = _until_30_june_in_sydney()
    assert pass_status(p, at(2026, 6, 30, 23, 59, tz=SYDNEY)) is PassStatus.ACTIVE
    assert pass_status(p, at(2026, 7, 1, 0, 0, tz=SYDNEY)) is PassStatus.EXPIRED


@pytest.mark.parametrize(
    ("covered", "first", "last", "added"),
    [
        ([], date(2027, 5, 1), date(2027, 5, 7), 7),
        ([(date(2027, 5, 1), date(2027, 5, 7))], date(2027, 5, 1), date(2027, 5, 7), 0),
        ([(date(2027, 5, 1), date(2027, 5, 7))], date(2027, 5, 5), date(2027, 5, 10), 3),
        ([(date(2027, 5, 3), date(2027, 5, 4))], date(2027, 5, 1), date(2027, 5, 7), 5),
        ([(date(2027, 5, 1), date(2027, 5, 2)), (date(2027, 5, 6), date(2027, 5, 9))],
         date(2027, 5, 1), date(2027, 5, 9), 3),
    ],
)  # fmt: skip
def test_a_freeze_adds_only_the_days_not_frozen_already(covered, first, last, added):
    assert days_not_yet_covered(covered, first, last) == added


@pytest.mark.parametrize(
    ("validity", "label"),
    [
        (Validity(ValidityUnit.MONTHS, 1), "1 month"),
        (Validity(ValidityUnit.MONTHS, 3), "3 months"),
        (Validity(ValidityUnit.WEEKS, 1), "1 week"),
        (Validity(ValidityUnit.DAYS, 10), "10 days"),
        (Validity(until=date(2027, 6, 30)), "until 30 June 2027"),
        (Validity(), ""),
    ],
)
def test_a_validity_reads_in_words_with_its_plural(validity, label):
    assert validity.label == label
