"""Which pass pays for a session, and why each other pass did not (DESIGN.md §2)."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from passbook.rules.calendar import local_date, window
from passbook.rules.facts import PassFacts, SessionFacts
from passbook.rules.wording import counted, long_date, money


class SpendOrder(StrEnum):
    OLDEST_PURCHASE = "oldest_purchase"
    SOONEST_EXPIRY = "soonest_expiry"


class ReasonCode(StrEnum):
    CHOSEN = "chosen"
    VOIDED = "voided"
    NOT_ELIGIBLE = "not_eligible"
    NOT_STARTED = "not_started"
    EXPIRED = "expired"
    FROZEN = "frozen"
    NO_CREDITS = "no_credits"
    DAILY_LIMIT = "daily_limit"
    WEEKLY_LIMIT = "weekly_limit"
    UNPAID = "unpaid"
    LOWER_PRIORITY = "lower_priority"
    SPEND_ORDER = "spend_order"


@dataclass(frozen=True)
class Verdict:
    """One pass's answer for one session: chosen, or the first reason it lost."""

    pass_id: int
    pass_name: str
    code: ReasonCode
    message: str
    details: dict[str, str] = field(default_factory=dict)

    @property
    def chosen(self) -> bool:
        return self.code is ReasonCode.CHOSEN


def effective_window(
    p: PassFacts, s: SessionFacts, tz: ZoneInfo
) -> tuple[datetime, datetime | None]:
    """The pass's validity for this session; a pass starting on first booking starts here."""
    if p.starts_at is not None:
        return p.starts_at, p.expires_at
    starts_at, expires_at = window(local_date(s.starts_at, tz), p.validity, tz)
    return starts_at, p.expires_at or expires_at


def _eligible(p: PassFacts, s: SessionFacts) -> bool:
    if not p.category_ids and not p.class_type_ids:
        return True
    return s.category_id in p.category_ids or s.class_type_id in p.class_type_ids


def _cap_reason(p: PassFacts, s: SessionFacts, tz: ZoneInfo) -> Verdict | None:
    day = local_date(s.starts_at, tz)
    if p.max_per_day is not None and p.booked_days.count(day) >= p.max_per_day:
        return _lost(p, ReasonCode.DAILY_LIMIT, f"daily limit reached ({p.max_per_day} a day)")
    week = day.isocalendar()[:2]
    same_week = sum(1 for d in p.booked_days if d.isocalendar()[:2] == week)
    if p.max_per_week is not None and same_week >= p.max_per_week:
        return _lost(p, ReasonCode.WEEKLY_LIMIT, f"weekly limit reached ({p.max_per_week} a week)")
    return None


def _unpaid_reason(p: PassFacts) -> Verdict | None:
    """The studio's policy for a pass with money owed: on hold until paid, or at most N
    bookings. Asked last, so a reason that paying would not fix is given first."""
    if not p.unpaid or p.unpaid_limit is None or p.live_bookings < p.unpaid_limit:
        return None
    owed = f"{money(p.owed)} owed"
    if p.unpaid_limit == 0:
        return _lost(p, ReasonCode.UNPAID, f"on hold until paid ({owed})", owed=str(p.owed))
    limit = counted(p.unpaid_limit, "session")
    return _lost(
        p,
        ReasonCode.UNPAID,
        f"only {limit} may be booked while unpaid ({owed})",
        owed=str(p.owed),
        limit=str(p.unpaid_limit),
    )


def _lost(p: PassFacts, code: ReasonCode, message: str, **details: str) -> Verdict:
    return Verdict(p.id, p.name, code, message, details)


def disqualification(p: PassFacts, s: SessionFacts, tz: ZoneInfo) -> Verdict | None:
    """The first reason this pass cannot pay for this session, or None if it can."""
    if p.voided:
        return _lost(p, ReasonCode.VOIDED, "voided")
    if not _eligible(p, s):
        label = p.restriction_label or "other classes"
        return _lost(p, ReasonCode.NOT_ELIGIBLE, f"restricted to {label}")
    starts_at, expires_at = effective_window(p, s, tz)
    if s.starts_at < starts_at:
        day = local_date(starts_at, tz)
        return _lost(
            p, ReasonCode.NOT_STARTED, f"starts {long_date(day)}", starts_on=day.isoformat()
        )
    if expires_at is not None and s.starts_at > expires_at:
        return _expired(p, s, expires_at, tz)
    day = local_date(s.starts_at, tz)
    for first, last in p.frozen:
        if first <= day <= last:
            return _lost(
                p,
                ReasonCode.FROZEN,
                f"frozen until {long_date(last)}",
                frozen_until=last.isoformat(),
            )
    if p.remaining is not None and p.remaining < s.credit_cost:
        message = "no credits left" if p.remaining <= 0 else "not enough credits left"
        return _lost(p, ReasonCode.NO_CREDITS, message, remaining=str(p.remaining))
    return _cap_reason(p, s, tz) or _unpaid_reason(p)


def _expired(p: PassFacts, s: SessionFacts, expires_at: datetime, tz: ZoneInfo) -> Verdict:
    """The session is after the pass's last day: 'expired 1 June 2026' once that day is
    past, 'expires 31 March 2027, before this session' while it is still to come."""
    day = local_date(expires_at, tz)
    if s.asked_at > expires_at:
        message = f"expired {long_date(day)}"
    else:
        message = f"expires {long_date(day)}, before this session"
    return _lost(p, ReasonCode.EXPIRED, message, expires_on=day.isoformat())


def spend_key(p: PassFacts, s: SessionFacts, tz: ZoneInfo, order: SpendOrder) -> tuple:
    """Sort key: highest priority first, then the business's spend order, then lowest id."""
    if order is SpendOrder.SOONEST_EXPIRY:
        expires_at = effective_window(p, s, tz)[1]
        tiebreak: tuple = (expires_at is None, expires_at or p.purchased_at)
    else:
        tiebreak = (p.purchased_at,)
    return (-p.priority, *tiebreak, p.id)


def explain(
    passes: list[PassFacts], s: SessionFacts, tz: ZoneInfo, order: SpendOrder
) -> list[Verdict]:
    """For each pass, `chosen` or the first reason it lost; in the customer's pass order."""
    verdicts = {p.id: disqualification(p, s, tz) for p in passes}
    candidates = sorted(
        (p for p in passes if verdicts[p.id] is None), key=lambda p: spend_key(p, s, tz, order)
    )
    if candidates:
        winner = candidates[0]
        verdicts[winner.id] = Verdict(winner.id, winner.name, ReasonCode.CHOSEN, "chosen")
        for p in candidates[1:]:
            verdicts[p.id] = _runner_up(p, winner, order)
    return [v for p in passes if (v := verdicts[p.id]) is not None]


def _runner_up(p: PassFacts, winner: PassFacts, order: SpendOrder) -> Verdict:
    if p.priority < winner.priority:
        return _lost(
            p,
            ReasonCode.LOWER_PRIORITY,
            f"lower priority than {winner.name}",
            pass_id=str(winner.id),
        )
    rule = "soonest expiry first" if order is SpendOrder.SOONEST_EXPIRY else "oldest purchase first"
    return _lost(
        p, ReasonCode.SPEND_ORDER, f"{winner.name} is used first ({rule})", pass_id=str(winner.id)
    )


def choose(
    passes: list[PassFacts], s: SessionFacts, tz: ZoneInfo, order: SpendOrder
) -> PassFacts | None:
    """The pass that pays for `s`, or None when none can."""
    by_id = {p.id: p for p in passes}
    return next((by_id[v.pass_id] for v in explain(passes, s, tz, order) if v.chosen), None)
