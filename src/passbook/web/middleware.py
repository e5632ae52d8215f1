import re
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import timezone

from passbook.api.problems import problem
from passbook.logs import request_id
from passbook.models import Business
from passbook.services import errors

SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Every request gets an id (the proxy's X-Request-ID if it sent a sane one): sent back
    in the response's X-Request-ID and put on every log line, so a user's report of an
    error can be found in the server's log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        token = request_id.set(sent if SANE_ID.fullmatch(sent) else uuid.uuid4().hex[:16])
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            return response
        finally:
            request_id.reset(token)


class BusinessTimeZoneMiddleware:
    """Pages show times in the studio's zone (the server and database stay in UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with Business.kept():  # one query, not one per row
            if request.path.startswith(("/office/", "/portal/")):
                timezone.activate(Business.current().tz)
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()


# Scripts and styles come only from our own static files (htmx, Bootstrap, office.js);
# inline styles are allowed for Bootstrap's progress bars and htmx's indicator style.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy() -> str:
    """The policy above; with online payments set up, Stripe.js may load from its origin,
    show its card field in a frame from there and talk to Stripe's API (docs/payments.md)."""
    from passbook.payment_providers import stripe_configured

    if not stripe_configured():
        return CONTENT_SECURITY_POLICY
    js = _origin(settings.PASSBOOK_STRIPE_JS_URL)
    api = _origin(settings.PASSBOOK_STRIPE_API_BASE)
    frames = " ".join(dict.fromkeys([js, "https://hooks.stripe.com" if "stripe.com" in js else js]))
    policy = CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self' {js}")
    policy = policy.replace(
        "connect-src 'self'", f"connect-src 'self' {' '.join(dict.fromkeys([api, js]))}"
    )
    return policy.replace("object-src 'none'", f"frame-src {frames}; object-src 'none'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        return response


class RefuseNulMiddleware:
    """A NUL character is never part of a valid address or query (PostgreSQL cannot even
    store one in text): such a request is refused at once with 400, whatever view it was
    meant for. (Form and API bodies refuse NULs field by field.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = (text for key, values in request.GET.lists() for text in (key, *values))
        if "\x00" in request.path or any("\x00" in text for text in query):
            if request.path.startswith("/api/"):
                return problem(errors.BadRequest("NUL characters are not allowed."))
            return HttpResponseBadRequest("NUL characters are not allowed.")
        return self.get_response(request)
