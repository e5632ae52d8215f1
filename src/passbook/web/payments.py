"""Stripe's webhook: the only way a card payment or refund reaches our books."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from passbook.services import errors, online_payments

log = logging.getLogger(__name__)


@csrf_exempt  # Stripe cannot send our CSRF token: the signature proves the sender instead
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """200 once an event is processed (or was before, or names nothing of ours); 400 for a
    bad signature; 503 when the database was busy, so Stripe sends it again later."""
    if not settings.PASSBOOK_STRIPE_WEBHOOK_SECRET:
        return HttpResponse("Online payments are not set up.", status=404)
    try:
        event = online_payments.verify(request.body, request.headers.get("Stripe-Signature", ""))
    except online_payments.BadSignature as exc:
        log.warning("Refused a Stripe webhook: %s", exc)
        return HttpResponse("Bad signature.", status=400)
    try:
        outcome = online_payments.handle(event)
    except errors.Busy:
        return HttpResponse("Busy; send it again.", status=503)
    return JsonResponse({"event": event["id"], "outcome": outcome})
