"""Errors as RFC 9457 problem details: the one place the API maps error codes to HTTP."""

import json
from http import HTTPStatus

from django.http import HttpResponse

from passbook.services import errors

PROBLEM_JSON = "application/problem+json"
# Seconds a client should wait before retrying a retryable refusal (a lock held too long).
RETRY_AFTER = 1

# 422 means the request does not match the documented schema. A well-formed request
# that a business rule refuses is 409 Conflict, with the rule's code (invalid_input,
# session_full, total_below_committed ...): every code not listed here.
STATUS: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.ValidationFailed: 422,
    errors.IdempotencyKeyReused: 422,
    errors.Busy: 503,
}
ERROR_BY_STATUS = {status: error for error, status in STATUS.items()}
CONFLICT = 409


def status_of(error: type[errors.DomainError]) -> int:
    return STATUS.get(error, CONFLICT)


def problem(exc: errors.DomainError) -> HttpResponse:
    """A problem+json response for a refusal; its details never replace the standard
    members. A single `field` detail becomes the `errors` list forms use."""
    status = status_of(type(exc))
    extra = dict(exc.details)
    if "field" in extra and "errors" not in extra:
        extra["errors"] = [{"field": extra.pop("field"), "message": exc.message}]
    body = {
        **extra,
        "type": f"https://passbook.example/problems/{exc.code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": exc.code,
        "detail": exc.message,
    }
    response = HttpResponse(json.dumps(body, default=str), status=status, content_type=PROBLEM_JSON)
    if exc.retryable:
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def for_status(status: int, detail: str) -> HttpResponse:
    """A problem for an HTTP error raised by the framework itself (an unreadable body)."""
    error = ERROR_BY_STATUS.get(status, errors.BadRequest)
    return problem(error(detail))
