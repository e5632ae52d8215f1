"""The pass ledger: every change to a pass is an entry, and the counters are their fold.

Services apply entries with `apply`; `passbook verify` folds all entries of a pass from
nothing and compares with the stored counters. One function for both, so they agree.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0.00")


def remaining(total: Decimal | None, held: Decimal, used: Decimal) -> Decimal | None:
    """What is left to book; None for an unlimited pass."""
    return None if total is None else total - held - used


class EntryKind(StrEnum):
    GRANT = "grant"  # the pass is issued: total (None = unlimited) and validity
    HOLD = "hold"  # a booking holds credits
    RELEASE = "release"  # a hold is given back (cancel in time, policy release)
    CONSUME = "consume"  # a hold becomes used (check-in, late cancel, no-show)
    UNCONSUME = "unconsume"  # undo check-in: used becomes held again
    SET_TOTAL = "set_total"  # staff set the total (None = unlimited)
    ADJUST = "adjust"  # staff changed the total by an amount (top-up or correction)
    VALIDITY = "validity"  # start and expiry changed
    FORFEIT = "forfeit"  # credits left at expiry; counters unchanged, extending revives them
    VOID = "void"
    PRIORITY = "priority"  # staff changed which pass pays first (amount: the new priority)


@dataclass(frozen=True)
class Counters:
    total: Decimal | None = ZERO
    held: Decimal = ZERO
    used: Decimal = ZERO
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    voided: bool = False

    @property
    def remaining(self) -> Decimal | None:
        return remaining(self.total, self.held, self.used)


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    amount: Decimal | None = None
    starts_at: datetime | None = None
    expires_at: datetime | None = None


def apply(c: Counters, e: Entry) -> Counters:
    amount = e.amount if e.amount is not None else ZERO
    match e.kind:
        case EntryKind.GRANT:
            return replace(c, total=e.amount, starts_at=e.starts_at, expires_at=e.expires_at)
        case EntryKind.SET_TOTAL:
            return replace(c, total=e.amount)
        case EntryKind.ADJUST:
            assert c.total is not None, "an unlimited pass has no total to adjust"
            return replace(c, total=c.total + amount)
        case EntryKind.HOLD:
            return replace(c, held=c.held + amount)
        case EntryKind.RELEASE:
            return replace(c, held=c.held - amount)
        case EntryKind.CONSUME:
            return replace(c, held=c.held - amount, used=c.used + amount)
        case EntryKind.UNCONSUME:
            return replace(c, held=c.held + amount, used=c.used - amount)
        case EntryKind.VALIDITY:
            return replace(c, starts_at=e.starts_at, expires_at=e.expires_at)
        case EntryKind.VOID:
            return replace(c, voided=True)
        case EntryKind.FORFEIT | EntryKind.PRIORITY:
            return c
    raise ValueError(f"unknown entry kind {e.kind!r}")


def fold(entries: list[Entry]) -> Counters:
    counters = Counters()
    for entry in entries:
        counters = apply(counters, entry)
    return counters
