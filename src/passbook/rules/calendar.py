"""Whole days in the business's time zone, and how long a pass is valid."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from passbook.rules.wording import counted, long_date


class ValidityUnit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"


@dataclass(frozen=True)
class Validity:
    """How long a pass lasts: N units from its start, or until a fixed date, or forever."""

    unit: ValidityUnit | None = None
    count: int | None = None
    until: date | None = None

    @property
    def label(self) -> str:
        """'1 month', '10 days', 'until 30 June 2027'; empty when it never ends."""
        if self.until is not None:
            return f"until {long_date(self.until)}"
        if self.unit is None or not self.count:
            return ""
        return counted(self.count, self.unit.value.removesuffix("s"))

    def last_day(self, first_day: date) -> date | None:
        if self.until is not None:
            return self.until
        if self.unit is None or not self.count:
            return None
        if self.unit is ValidityUnit.MONTHS:
            end = first_day + relativedelta(months=self.count)
            # 31 Jan + 1 month lands on 28 Feb (clamped): then 28 Feb is the last day.
            return end if end.day != first_day.day else end - timedelta(days=1)
        days = self.count * (7 if self.unit is ValidityUnit.WEEKS else 1)
        return first_day + timedelta(days=days - 1)


# Dates outside these would overflow when converted between zones; no studio needs them.
FIRST_SUPPORTED_DAY = date(2000, 1, 1)
LAST_SUPPORTED_DAY = date(2099, 12, 31)


def supported(day: date) -> bool:
    return FIRST_SUPPORTED_DAY <= day <= LAST_SUPPORTED_DAY


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """'Valid until 30 June' means usable until 23:59:59.999999 on 30 June in `tz`."""
    return datetime.combine(day, time.max, tzinfo=tz)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def window(first_day: date, validity: Validity, tz: ZoneInfo) -> tuple[datetime, datetime | None]:
    """starts_at and expires_at of a pass whose first day is `first_day`."""
    last = validity.last_day(first_day)
    return start_of_day(first_day, tz), (end_of_day(last, tz) if last else None)


def days_not_yet_covered(covered: list[tuple[date, date]], first: date, last: date) -> int:
    """How many of the days first..last (inclusive) no (first, last) span in `covered`
    includes: what a new freeze adds to a pass that may already be frozen in part."""
    asked = (first + timedelta(days=k) for k in range((last - first).days + 1))
    return sum(1 for day in asked if not any(a <= day <= b for a, b in covered))
