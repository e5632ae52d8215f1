from django import template

from passbook import clock
from passbook.models import Business, Session
from passbook.web.office.forms import MONEY_METHODS

register = template.Library()


@register.filter
def field(record, name: str):
    """A record's value for display; choices show their label."""
    display = getattr(record, f"get_{name}_display", None)
    return display() if display else getattr(record, name, "")


@register.simple_tag
def attendance(session: Session) -> dict:
    """Where a session's attendance stands now: phase (not_open, open, closed), when
    check-in opens, and whether the session has started (no-shows are marked after)."""
    now = clock.now()
    window = Business.current().attendance_window(session.starts_at, session.ends_at)
    return {
        "phase": window.phase(now),
        "opens_at": window.opens_at,
        "started": now >= session.starts_at,
    }


@register.simple_tag
def money_methods() -> list[tuple[str, str]]:
    """The payment methods staff may take by hand, as (value, label)."""
    return MONEY_METHODS
