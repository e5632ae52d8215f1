"""Errors as RFC 9457 problem details: the one place the API maps error codes to HTTP."""

import json
import logging
from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from passbook.services import errors

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("django.request")
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
    errors.MethodNotAllowed: 405,
    errors.TooLarge: 413,
    errors.ValidationFailed: 422,
    errors.IdempotencyKeyReused: 422,
    errors.ServerError: 500,
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


class ApiProblemsMiddleware:
    """Under /api/ every answer is problem+json, also those the framework gives before the
    API runs: an unknown path (404), a wrong method (405), a body too big (413, refused
    before it is read) and a server error (500, logged with its traceback)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if _declared_size(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return problem(errors.TooLarge())
        response = self.get_response(request)
        if response.status_code in (404, 405) and response["Content-Type"] != PROBLEM_JSON:
            replaced = for_status(
                response.status_code, ERROR_BY_STATUS[response.status_code].message
            )
            if "Allow" in response:  # a 405 says which methods the path answers
                replaced["Allow"] = response["Allow"]
            return replaced
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        log.error("Internal Server Error: %s", request.path, exc_info=exc)
        return problem(errors.ServerError())


def _declared_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
