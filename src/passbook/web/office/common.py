"""What every back-office view shares: roles and the template context."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from passbook.models import Business, User
from passbook.models.people import at_least


class StaffRequest(HttpRequest):
    """A request `staff` let through: its user is signed in (HtmxMiddleware adds `htmx`)."""

    user: User
    htmx: HtmxDetails


def staff(role: str = User.Role.FRONTDESK) -> Callable:
    """Signed-in studio staff of at least `role`; others go to login or get 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not at_least(request.user.role, role):
                raise PermissionDenied(f"This needs the {User.Role(role).label} role.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def can(user: User, role: str) -> bool:
    return at_least(getattr(user, "role", ""), role)


def business_context(request: HttpRequest) -> dict:
    """Template context: the business and the signed-in staff member's powers."""
    if not request.path.startswith(("/office/", "/portal/")):
        return {}
    user = request.user
    return {
        "business": Business.current(),
        "is_manager": can(user, User.Role.MANAGER) if user.is_authenticated else False,
        "is_owner": can(user, User.Role.OWNER) if user.is_authenticated else False,
    }
