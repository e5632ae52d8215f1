from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from passbook.rules.calendar import Validity
from passbook.rules.facts import PassFacts, SessionFacts

YOGA, PILATES = 1, 2  # category ids
VINYASA, MAT = 10, 20  # class type ids


def at(*args, tz=UTC) -> datetime:
    return datetime(*args, tzinfo=tz)


def a_pass(
    id=1,
    *,
    total="10",
    held="0",
    used="0",
    purchased=(2026, 1, 1),
    starts=(2026, 1, 1),
    expires=(2026, 12, 31, 23, 59, 59),
    **kw,
) -> PassFacts:
    return PassFacts(
        id=id,
        name=kw.pop("name", f"pass {id}"),
        purchased_at=at(*purchased),
        total=None if total is None else Decimal(total),
        held=Decimal(held),
        used=Decimal(used),
        starts_at=at(*starts) if starts else None,
        expires_at=at(*expires) if expires else None,
        **kw,
    )


def a_session(
    when=(2026, 3, 2, 9), *, category=YOGA, class_type=VINYASA, cost="1", tz=UTC, asked=None
) -> SessionFacts:
    """A session; asked about as it starts unless `asked` (a datetime) says when."""
    starts_at = at(*when, tz=tz)
    return SessionFacts(1, starts_at, class_type, category, Decimal(cost), asked or starts_at)


__all__ = ["Validity", "ZoneInfo", "a_pass", "a_session", "at"]
