"""The studio's retry schedule for declined renewals: parsing the setting, and when the
next try is (days counted from the first try)."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from passbook.models.business import retry_days, validate_retry_days
from passbook.services.cards_on_file import next_attempt_at

FIRST = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "days"), [("1,3,7", [1, 3, 7]), (" 2, 5 ", [2, 5]), ("", []), ("60", [60])]
)
def test_a_schedule_is_rising_whole_days(text, days):
    assert retry_days(text) == days
    validate_retry_days(text)


@pytest.mark.parametrize("text", ["3,1", "0,1", "1,1", "one", "1,-2", "61", "1.5"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValidationError, match="e.g. 1,3,7"):
        validate_retry_days(text)


def test_the_next_try_counts_from_the_first_and_ends_with_the_schedule():
    schedule = [1, 3, 7]
    tries = [next_attempt_at(FIRST, failed, schedule) for failed in (1, 2, 3, 4, 5)]
    assert [t.day if t else None for t in tries] == [2, 4, 8, None, None]
    assert next_attempt_at(FIRST, 1, []) is None  # no retries: past due at once
