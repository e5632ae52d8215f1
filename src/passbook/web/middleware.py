from django.utils import timezone

from passbook.models import Business


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


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
