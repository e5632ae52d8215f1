"""Errors as RFC 9457 problem details, with the domain error's stable code."""

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

from passbook.services.errors import DomainError

PROBLEM_JSON = "application/problem+json"

# 422 means the request does not match the documented schema. A well-formed request
# that a business rule refuses is 409 Conflict, with the rule's code (invalid_input,
# session_full, total_below_committed ...): every code not listed here.
STATUS_BY_CODE = {
    "bad_request": 400,
    "not_found": 404,
    "validation_error": 422,
    "idempotency_key_reused": 422,
    "unauthorized": 401,
    "forbidden": 403,
}
CODE_BY_STATUS = {status: code for code, status in STATUS_BY_CODE.items()}


class Forbidden(DomainError):
    code = "forbidden"
    message = "Your role does not allow this."


def problem(
    status: int, code: str, detail: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    """A problem+json response; `extra` members never replace the standard ones."""
    body = {
        **(extra or {}),
        "type": f"https://passbook.example/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    return HttpResponse(json.dumps(body, default=str), status=status, content_type=PROBLEM_JSON)


def from_domain_error(exc: DomainError) -> HttpResponse:
    status = STATUS_BY_CODE.get(exc.code, 409)
    extra = dict(exc.details)
    if "field" in extra and "errors" not in extra:
        extra["errors"] = [{"field": extra.pop("field"), "message": exc.message}]
    return problem(status, exc.code, exc.message, extra)  # details use their own names
