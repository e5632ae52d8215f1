"""Errors as RFC 9457 problem details, with the domain error's stable code."""

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

from passbook.services.errors import DomainError

PROBLEM_JSON = "application/problem+json"

# Codes that are not 409 Conflict (a request that clashes with the current state).
STATUS_BY_CODE = {
    "not_found": 404,
    "invalid_input": 422,
    "validation_error": 422,
    "idempotency_key_reused": 422,
    "unauthorized": 401,
    "forbidden": 403,
}
CODE_BY_STATUS = {status: code for code, status in STATUS_BY_CODE.items()}


class Forbidden(DomainError):
    code = "forbidden"
    message = "Your role does not allow this."


def problem(status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    body = {
        "type": f"https://passbook.example/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    return HttpResponse(json.dumps(body, default=str), status=status, content_type=PROBLEM_JSON)


def from_domain_error(exc: DomainError) -> HttpResponse:
    status = STATUS_BY_CODE.get(exc.code, 409)
    extra = dict(exc.details)
    if "field" in extra and "errors" not in extra:
        extra["errors"] = [{"field": extra.pop("field"), "message": exc.message}]
    return problem(status, exc.code, exc.message, **extra)
