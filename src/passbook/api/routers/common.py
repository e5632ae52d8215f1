"""Helpers every router shares: the caller, 404s, scoping to the caller, pagination."""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from ninja import Field, Schema

from passbook.api.auth import Caller
from passbook.api.schemas import Problem
from passbook.models import Customer
from passbook.services.errors import NotFound

M = TypeVar("M", bound=Model)

ERRORS: dict[int, Any] = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    409: Problem,
    422: Problem,
    503: Problem,  # busy: a lock was held too long; retry after Retry-After seconds
}


def responds(ok: int, schema: Any) -> dict[int, Any]:
    return {ok: schema, **ERRORS}


def caller(request) -> Caller:
    return request.auth


def one(qs: QuerySet[M], pk: int, what: str) -> M:
    """The row with this id in `qs` (already scoped to the caller), or 404."""
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"No such {what}.")
    return found


def sent(body: Schema) -> dict[str, Any]:
    """The fields a PATCH body sent: only those change."""
    return body.dict(exclude_unset=True)


def own(request, qs: QuerySet[M], customer_field: str = "customer_id") -> QuerySet[M]:
    """Staff see everything; a customer sees only rows that are theirs."""
    who = caller(request)
    return qs if who.is_staff else qs.filter(**{customer_field: who.customer_id})


def own_customers(request) -> QuerySet[Customer]:
    """Staff see every customer; a customer sees only themselves."""
    return own(request, Customer.objects.all(), customer_field="id")


class PageParams(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


def paginate(qs: QuerySet[Any], page: int, page_size: int) -> dict:
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "results": list(qs[start : start + page_size]),
    }
