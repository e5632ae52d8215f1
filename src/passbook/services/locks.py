"""Row locks in one fixed order: sessions (by id), or a gift voucher, then the customer
(DESIGN.md §4).

Every service takes its locks here. The customer row guards everything that customer
owns (passes, bookings, subscriptions): to change one of those, `*_for_update` reads the
row, locks its customer (and, for a booking, its session first), then reads the row again
under the lock, so what the service checks is what it writes.

On SQLite, select_for_update() is a no-op; there the IMMEDIATE transaction mode has
already taken the database write lock at BEGIN. On PostgreSQL a wait longer than the lock
timeout (PASSBOOK_LOCK_TIMEOUT) answers errors.Busy, which callers may retry.
"""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import OperationalError
from django.db.models import Model, QuerySet

from passbook.models import (
    Booking,
    Customer,
    GiftVoucher,
    Pass,
    Session,
    Subscription,
    User,
    WaitlistEntry,
)
from passbook.prepared import Prepared
from passbook.services import errors

M = TypeVar("M", bound=Model)
T = TypeVar("T")

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out


def waiting(read: Callable[[], T]) -> T:
    """Run a statement that may wait on a lock; a wait past the timeout is errors.Busy."""
    try:
        return read()
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise errors.Busy() from None
        raise


def _locking(qs: QuerySet[M]) -> QuerySet[M]:
    # Test-only switch (settings.PASSBOOK_LOCKING) lets the race tests show the race.
    # `of=("self",)`: joined rows (a session's class type) are read, not locked.
    return qs.select_for_update(of=("self",)) if settings.PASSBOOK_LOCKING else qs


def sessions(ids: Iterable[int]) -> dict[int, Session]:
    """Lock sessions in id order; their class types come in the same round trip."""
    wanted = sorted(set(ids))
    qs = Session.objects.select_related("class_type").filter(id__in=wanted).order_by("id")
    found = waiting(lambda: {s.id: s for s in _locking(qs)})
    missing = [i for i in wanted if i not in found]
    if missing:
        raise errors.NotFound("No such session.", session_ids=missing)
    return found


# A booking's two locks, compiled once (they are sent on every booking).
_SESSION = Prepared(
    lambda session_id: _locking(Session.objects.select_related("class_type").filter(id=session_id))
)
_CUSTOMER = Prepared(lambda customer_id: _locking(Customer.objects.filter(id=customer_id)))


def session(session_id: int) -> Session:
    found = waiting(lambda: _SESSION.objects(_id(session_id, "No such session.")))
    if not found:
        raise errors.NotFound("No such session.", session_ids=[session_id])
    return found[0]


def customers(ids: Iterable[int]) -> None:
    """Lock several customers, in id order (a batch job's alternative to one at a time)."""
    qs = _locking(Customer.objects.filter(id__among=sorted(set(ids))).order_by("id"))
    waiting(lambda: list(qs.values("id")))


def waiting_customers(session_ids: Iterable[int], also: Iterable[int] = ()) -> None:
    """With the sessions already locked: lock the customers `also` and everyone on those
    sessions' lists (waiting, or offered a place), together in id order: a freed place
    may go to any of them, and a credit one holds may be given back. Only joining adds
    to a waitlist, under its session's lock, so the set cannot grow."""
    waiting = WaitlistEntry.objects.filter(
        session_id__in=list(session_ids), status__in=WaitlistEntry.OPEN
    )
    customers([*also, *waiting.values_list("customer_id", flat=True)])


def customer(customer_id: int) -> Customer:
    found = waiting(lambda: _CUSTOMER.objects(_id(customer_id, "No such customer.")))
    if not found:
        raise errors.NotFound("No such customer.")
    return found[0]


def voucher(code: str) -> GiftVoucher | None:
    """Lock a gift voucher by its code (before its redeemer, the customer), or None."""
    qs = _locking(GiftVoucher.objects.filter(code=code))
    return waiting(qs.first)


def claim(qs: QuerySet[M]) -> QuerySet[M]:
    """A work queue's claim: the rows no other transaction holds, locked so that other
    runs skip them instead of waiting (and never handle the same row twice)."""
    return qs.select_for_update(skip_locked=True) if settings.PASSBOOK_LOCKING else qs


def pass_for_update(pass_id: int) -> Pass:
    """The pass (with its customer), read again once its customer is locked."""
    found = get(Pass, pass_id, "No such pass.")
    customer(found.customer_id)
    return Pass.objects.select_related("customer").get(pk=pass_id)


def subscription_for_update(subscription_id: int) -> Subscription:
    """The subscription (with its plan, product and customer), read again once its
    customer is locked."""
    found = get(Subscription, subscription_id, "No such subscription.")
    customer(found.customer_id)
    return Subscription.objects.select_related("plan__product", "customer").get(pk=subscription_id)


def booking_for_update(booking_id: int, *, waitlist: bool = False) -> Booking:
    """The booking (with its session and pass), read again once its session and then its
    customer are locked; with `waitlist`, also the customers waiting for the session (a
    place it frees goes to one of them)."""
    found = get(Booking, booking_id, "No such booking.")
    session(found.session_id)
    if waitlist:
        waiting_customers([found.session_id], also=[found.customer_id])
    else:
        customer(found.customer_id)
    return Booking.objects.select_related("session", "customer_pass").get(pk=booking_id)


def staff_login(user_id: object) -> User:
    """A staff login, locked after the active owners' logins (in id order). Every change to
    a staff login takes the owners' locks first, so two changes at once can never leave the
    studio without an owner. Staff logins are never locked together with the rows above."""
    owners = User.objects.filter(role=User.Role.OWNER, is_active=True).order_by("id")
    waiting(lambda: list(_locking(owners).values("id")))
    logins = _locking(User.objects.exclude(role=""))
    return waiting(lambda: _get(logins, user_id, "No such staff login."))


def _get(qs: QuerySet[M], pk: object, message: str) -> M:
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):  # only qs.model's can come from get()
        raise errors.NotFound(message) from None


def _id(value: object, message: str) -> int:
    """An id as the ORM would take it (7, "7"), or NotFound (also for one no id column
    can hold, as the ORM finds nothing for it)."""
    try:
        found = int(value)  # type: ignore[call-overload]  # any object: int() says if it can
    except (TypeError, ValueError):
        raise errors.NotFound(message) from None
    if not -(2**63) <= found < 2**63:
        raise errors.NotFound(message)
    return found


def get(model: type[M], pk: object, message: str = "Not found.") -> M:
    """Read a row without locking it, answering NotFound for unknown ids."""
    return _get(model._default_manager.all(), pk, message)
