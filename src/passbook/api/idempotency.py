"""Idempotency-Key on API POSTs (DESIGN.md §3, invariant 4).

The record is claimed, the request handled and its response stored in one transaction:
a request either has its effect and its record, or neither. A concurrent duplicate
blocks on the record's unique index until the first commits, then replays its answer.
Failed requests (4xx/5xx) change nothing and leave the key free for a retry.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from passbook.api.auth import caller_scope
from passbook.api.problems import problem
from passbook.models import IdempotencyRecord
from passbook.services import durable, errors, locks

HEADER = "Idempotency-Key"


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not 1 <= len(key) <= 255:
            message = f"{HEADER} must be 1 to 255 characters."
            return problem(errors.ValidationFailed(message, field=HEADER))
        scope = caller_scope(request)
        if scope is None:
            return self.get_response(request)  # answered 401 by the API
        with durable.request_scope():  # what must outlive a rollback is written after it
            try:
                return self._once(request, scope, key, _fingerprint(request))
            except errors.Busy as exc:  # waited too long on the same key's first request
                return problem(exc)

    @transaction.atomic
    def _once(self, request, scope: str, key: str, fingerprint: str) -> HttpResponse:
        try:
            with transaction.atomic():
                record = locks.waiting(
                    lambda: IdempotencyRecord.objects.create(
                        scope=scope, key=key, fingerprint=fingerprint
                    )
                )
        except IntegrityError:
            return _replay(IdempotencyRecord.objects.get(scope=scope, key=key), fingerprint)
        response = self.get_response(request)
        if response.status_code >= 400:
            transaction.set_rollback(True)
            return response
        record.status_code, record.body = response.status_code, response.content
        record.content_type = response.get("Content-Type", "")
        record.save(update_fields=["status_code", "body", "content_type"])
        return response


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.fingerprint != fingerprint:
        return problem(errors.IdempotencyKeyReused())
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response
