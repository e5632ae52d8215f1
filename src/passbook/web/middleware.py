from django.utils import timezone

from passbook.models import Business


class BusinessTimeZoneMiddleware:
    """Pages show times in the studio's zone (the server and database stay in UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(("/office/", "/portal/")):
            timezone.activate(Business.current().tz)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
