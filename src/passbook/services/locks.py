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
    # `of=("self",)`: joined rows (a session's class type) are read, not locked.
    return qs.select_for_update(of=("self",)) if settings.PASSBOOK_LOCKING else qs


def sessions(ids: Iterable[int]) -> dict[int, Session]:
    """Lock sessions in id order; their class types come in the same round trip."""
    wanted = sorted(set(ids))
    qs = Session.objects.select_related("class_type").filter(id__in=wanted).order_by("id")
    found = {s.id: s for s in _locking(qs)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound("No such session.", session_ids=missing)
    return found


def session(session_id: int) -> Session:
    return sessions([session_id])[session_id]


def customers(ids: Iterable[int]) -> None:
    """Lock several customers, in id order (a batch job's alternative to one at a time)."""
    list(_locking(Customer.objects.filter(id__among=sorted(set(ids))).order_by("id")).values("id"))


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
