"""Row locks in one fixed order: sessions (by id), then the customer (DESIGN.md §4).

On SQLite, select_for_update() is a no-op; there the IMMEDIATE transaction mode has
already taken the database write lock at BEGIN.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Model, QuerySet

from passbook.models import Customer, Session
from passbook.services.errors import NotFound


def _locking(qs: QuerySet) -> QuerySet:
    # Test-only switch (settings.PASSBOOK_LOCKING) lets the race tests show the race.
    return qs.select_for_update() if settings.PASSBOOK_LOCKING else qs


def sessions(ids: Iterable[int]) -> dict[int, Session]:
    wanted = sorted(set(ids))
    found = {s.id: s for s in _locking(Session.objects.filter(id__in=wanted).order_by("id"))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound("No such session.", session_ids=missing)
    return found


def session(session_id: int) -> Session:
    return sessions([session_id])[session_id]


def customer(customer_id: int) -> Customer:
    return _get(_locking(Customer.objects.all()), customer_id, "No such customer.")


def _get(qs: QuerySet, pk: int, message: str) -> Model:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(message) from None


def get(model: type[Model], pk: int, message: str = "Not found.") -> Model:
    """Read a row without locking it, answering NotFound for unknown ids."""
    return _get(model.objects.all(), pk, message)
