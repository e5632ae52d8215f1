"""When staff may take attendance for a session: check in, and undo a no-show.

Check-in opens a set time before the start (not days early), and attendance closes a set
time after the end; then anyone still booked becomes a no-show, for good.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Phase(StrEnum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class AttendanceWindow:
    opens_at: datetime
    closes_at: datetime

    def phase(self, now: datetime) -> Phase:
        if now < self.opens_at:
            return Phase.NOT_OPEN
        return Phase.OPEN if now <= self.closes_at else Phase.CLOSED


def attendance_window(
    starts_at: datetime, ends_at: datetime, *, opens_before: timedelta, closes_after: timedelta
) -> AttendanceWindow:
    return AttendanceWindow(starts_at - opens_before, ends_at + closes_after)
