from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps

from passbook import clock
from passbook.models import Booking, Pass
from passbook.services import bookings, passes
from passbook.services.errors import DomainError

D = Decimal


def fingerprint() -> dict[str, list[tuple]]:
    """Every row of every Passbook table (and their many-to-many links)."""
    rows = {}
    for model in apps.get_app_config("passbook").get_models(include_auto_created=True):
        rows[model._meta.label] = list(model.objects.order_by("pk").values_list())
    return rows


@contextmanager
def refused(code: str) -> Iterator[pytest.ExceptionInfo]:
    """The block raises the domain error `code` and leaves the database exactly as it was."""
    before = fingerprint()
    with pytest.raises(DomainError) as info:
        yield info
    assert info.value.code == code, info.value.as_dict()
    assert fingerprint() == before


def check_in(booking: Booking) -> Booking:
    """Check in as the desk does: when the class starts (check-in is not open days early)."""
    with clock.at(booking.session.starts_at):
        return bookings.check_in(booking.id)


def sell(customer, product, **kw) -> Pass:
    return passes.sell(customer.id, product.id, **kw)


def fresh(p: Pass) -> Pass:
    return Pass.objects.get(pk=p.pk)


def counters(p: Pass) -> tuple:
    p = fresh(p)
    return (p.total, p.held, p.used, p.remaining)


def hours_from_now(hours: float):
    return clock.now() + timedelta(hours=hours)
