"""How a pass's history reads: each ledger entry as a label and its change, before → after.

The counters before an entry are the fold of the entries before it (rules/ledger.py), so
entries written before this page existed read as well as new ones. A priority is not a
counter: its change keeps the old value at the front of the entry's reason.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from passbook.rules import ledger
from passbook.rules.calendar import local_date
from passbook.rules.ledger import Counters, Entry, EntryKind
from passbook.rules.wording import counted, plain, short_date

LABELS = {
    EntryKind.GRANT: "Issued",
    EntryKind.HOLD: "Booked",
    EntryKind.RELEASE: "Released",
    EntryKind.CONSUME: "Used",
    EntryKind.UNCONSUME: "Use undone",
    EntryKind.SET_TOTAL: "Total changed",
    EntryKind.VALIDITY: "Validity changed",
    EntryKind.FORFEIT: "Forfeited at expiry",
    EntryKind.VOID: "Voided",
    EntryKind.PRIORITY: "Priority changed",
}
MOVES = {EntryKind.HOLD, EntryKind.RELEASE, EntryKind.CONSUME, EntryKind.UNCONSUME}


@dataclass(frozen=True)
class Line:
    label: str  # "Total changed"
    change: str  # "10 → 12 credits"
    why: str  # the reason staff gave, or the system's


def priority_reason(before: int, after: int, why: str) -> str:
    """The reason a priority entry keeps: '0 → 5: use the gift pass first'."""
    return f"{before} → {after}: {why}"


def lines(entries: Iterable[tuple[Entry, str]], tz: ZoneInfo) -> Iterator[Line]:
    """A Line for each (entry, reason) of one pass, oldest first."""
    before = Counters()
    for entry, reason in entries:
        after = ledger.apply(before, entry)
        yield _line(entry, reason, before, after, tz)
        before = after


def _line(e: Entry, reason: str, before: Counters, after: Counters, tz: ZoneInfo) -> Line:
    amount = e.amount or Decimal(0)
    if e.kind is EntryKind.PRIORITY:
        return Line(LABELS[e.kind], *_priority_change(amount, reason))
    if e.kind is EntryKind.ADJUST:
        label = "Credits added" if amount > 0 else "Credits removed"
        return Line(label, _total_change(before.total, after.total), reason)
    return Line(LABELS[e.kind], _change(e.kind, amount, before, after, tz), reason)


def _change(
    kind: EntryKind, amount: Decimal, before: Counters, after: Counters, tz: ZoneInfo
) -> str:
    if kind is EntryKind.GRANT:
        return f"{_credits(after.total)}; {_dates(after, tz)}"
    if kind is EntryKind.SET_TOTAL:
        return _total_change(before.total, after.total)
    if kind is EntryKind.VALIDITY:
        return _dates_change(before, after, tz)
    if kind in MOVES:
        left = after.remaining
        return counted(amount, "credit") + (f" ({plain(left)} left)" if left is not None else "")
    if kind is EntryKind.FORFEIT:
        return counted(amount, "credit")
    return ""


def _priority_change(priority: Decimal, reason: str) -> tuple[str, str]:
    """(change, why) from a priority_reason(); 'now 5' if the reason has no old value."""
    change, found, why = reason.partition(": ")
    if found and "→" in change:
        return change, why
    return f"now {plain(priority)}", reason


def _credits(total: Decimal | None) -> str:
    return "unlimited" if total is None else counted(total, "credit")


def _total_change(before: Decimal | None, after: Decimal | None) -> str:
    """'10 → 12 credits', '10 credits → unlimited'."""
    if before is not None and after is not None:
        return f"{plain(before)} → {counted(after, 'credit')}"
    return f"{_credits(before)} → {_credits(after)}"


def _day(moment: datetime | None, tz: ZoneInfo, none: str) -> str:
    return short_date(local_date(moment, tz)) if moment is not None else none


def _dates(c: Counters, tz: ZoneInfo) -> str:
    """'starts 2 Dec 2026, expires 1 Mar 2027'."""
    starts = _day(c.starts_at, tz, "on first booking")
    return f"starts {starts}, expires {_day(c.expires_at, tz, 'never')}"


def _dates_change(before: Counters, after: Counters, tz: ZoneInfo) -> str:
    """'expires 31 Mar 2027 → 14 Apr 2027', and the start too when it moved."""
    starts = _move("starts", before.starts_at, after.starts_at, tz, "on first booking")
    expires = _move("expires", before.expires_at, after.expires_at, tz, "never")
    return ", ".join(move for move in (starts, expires) if move) or "dates unchanged"


def _move(what: str, old: datetime | None, new: datetime | None, tz: ZoneInfo, none: str) -> str:
    old_day, new_day = _day(old, tz, none), _day(new, tz, none)
    return f"{what} {old_day} → {new_day}" if old_day != new_day else ""
