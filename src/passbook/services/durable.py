"""Records that must outlive a refused request: a failed voucher guess, a throttle count.

A refused request is rolled back whole (the API's idempotency layer wraps every request
in one transaction and rolls back any 4xx), so such a record cannot be written inside it
(DESIGN.md §5). `record()` writes at once when no transaction is open, and otherwise as
soon as the request's outermost transaction has ended, committed or rolled back.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

_after_request: ContextVar[list[Callable[[], object]] | None] = ContextVar(
    "passbook_after_request", default=None
)


def record(write: Callable[[], object]) -> None:
    """Write now, or after the request's transaction if one is open."""
    pending = _after_request.get()
    if pending is None or not connection.in_atomic_block:
        write()
    else:
        pending.append(write)


@contextmanager
def request_scope() -> Iterator[None]:
    """Around a request's transaction: records kept back run once it has ended."""
    token = _after_request.set([])
    try:
        yield
    finally:
        pending = _after_request.get() or []
        _after_request.reset(token)
        for write in pending:
            write()
