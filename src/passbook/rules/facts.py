"""The plain data the rules decide over."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from passbook.rules.calendar import Validity
from passbook.rules.ledger import remaining


@dataclass(frozen=True)
class SessionFacts:
    id: int
    starts_at: datetime
    class_type_id: int
    category_id: int
    credit_cost: Decimal
    asked_at: datetime  # when the question is asked: only the tense of messages depends on it


@dataclass(frozen=True)
class PassFacts:
    id: int
    name: str
    purchased_at: datetime
    total: Decimal | None  # None = unlimited
    held: Decimal = Decimal("0")
    used: Decimal = Decimal("0")
    starts_at: datetime | None = None  # None = starts on first booking
    expires_at: datetime | None = None  # None = never expires
    validity: Validity = field(default_factory=Validity)
    priority: int = 0
    voided: bool = False
    category_ids: frozenset[int] = frozenset()  # empty with class_type_ids empty = all
    class_type_ids: frozenset[int] = frozenset()
    restriction_label: str = ""  # e.g. "Pilates", for messages
    max_per_day: int | None = None
    max_per_week: int | None = None
    booked_days: tuple[date, ...] = ()  # local dates of this pass's live bookings
    frozen: tuple[tuple[date, date], ...] = ()  # (first, last) days on hold
    # Money still owed: more than 0 only when the pass is partly paid or unpaid.
    owed: Decimal = Decimal("0")
    # While money is owed, how many live bookings the pass may hold (the studio's policy):
    # None = as many as usual, 0 = none (on hold until paid).
    unpaid_limit: int | None = None
    live_bookings: int = 0  # booked or attended; counted only when unpaid_limit is set

    @property
    def unlimited(self) -> bool:
        return self.total is None

    @property
    def remaining(self) -> Decimal | None:
        return remaining(self.total, self.held, self.used)

    @property
    def unpaid(self) -> bool:
        return self.owed > 0
