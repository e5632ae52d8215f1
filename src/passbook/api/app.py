"""The v1 API: routers, authentication, and errors as problem+json."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from passbook.api import problems
from passbook.api.auth import BearerToken, BrowserSession
from passbook.api.routers import (
    bookings,
    catalog,
    customers,
    freezes,
    passes,
    reports,
    schedule,
    subscriptions,
    vouchers,
    waitlists,
)
from passbook.api.routers.common import ERRORS
from passbook.services import errors
from passbook.services.errors import DomainError


class PassbookAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Declare error responses as application/problem+json, as they are sent."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema["paths"].values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) in ERRORS and "content" in response:
                        content = response["content"].pop("application/json")
                        response["content"][problems.PROBLEM_JSON] = content
        return schema


api = PassbookAPI(
    title="Passbook API",
    version="1.0.0",
    urls_namespace="api-v1",
    auth=[BearerToken(), BrowserSession()],
    description="Bookings and multi-session passes. Authenticate with a staff token "
    "(`Authorization: Bearer …`, from `passbook create-token`) or a browser "
    "session. Errors are RFC 9457 problem details with a stable `code`.",
)
for module in (
    catalog,
    schedule,
    customers,
    passes,
    freezes,
    bookings,
    waitlists,
    subscriptions,
    vouchers,
    reports,
):
    api.add_router("", module.router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problems.problem(exc)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    items = [
        {
            "field": _field(e.get("loc", ())),
            "message": e.get("msg", "invalid"),
        }
        for e in exc.errors
    ]
    return problems.problem(errors.ValidationFailed(errors=items))


def _field(loc: tuple) -> str:
    """('body', 'body', 'payment', 'amount') -> 'payment.amount'."""
    parts = [str(p) for p in loc]
    while parts and parts[0] in {"body", "query", "path", "header"}:
        parts.pop(0)
    return ".".join(parts) or "body"


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problems.problem(errors.Unauthorized())


@api.exception_handler(AuthorizationError)
def unauthorized(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return problems.problem(errors.Forbidden(str(exc.message)))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problems.for_status(exc.status_code, str(exc.message))
