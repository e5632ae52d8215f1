"""The one place the code asks for the time, so tests and the demo can set it."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_fixed: ContextVar[datetime | None] = ContextVar("passbook_now", default=None)


def now() -> datetime:
    return _fixed.get() or timezone.now()


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Run the block as if it were `moment` (used by the demo to replay history)."""
    token = _fixed.set(moment)
    try:
        yield
    finally:
        _fixed.reset(token)
