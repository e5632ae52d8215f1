"""Who is calling: a staff token, or a signed-in browser session (staff or customer)."""

from dataclasses import dataclass
from typing import cast

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from passbook.models import ApiToken, Business, Customer, User
from passbook.models.people import ROLE_RANK, at_least
from passbook.services import errors

CUSTOMER = "customer"


@dataclass(frozen=True)
class Caller:
    user: User
    role: str  # a User.Role value, or "customer"
    customer_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in ROLE_RANK

    def require(self, role: str) -> None:
        """Staff of at least `role`, or Forbidden."""
        if not at_least(self.role, role):
            raise errors.Forbidden(
                f"This needs the {User.Role(role).label.lower()} role or higher."
            )

    def require_staff(self) -> None:
        self.require(User.Role.FRONTDESK)


class ApiRequest(HttpRequest):
    """A request once a caller is signed in: what `_signed_in` adds to it."""

    currency: str


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found = ApiToken.find(token)
        power = found.power if found else None
        return _signed_in(request, Caller(found.user, power) if found and power else None)


class BrowserSession(SessionAuth):
    """Django's session cookie; ninja checks the CSRF token on unsafe methods, but only
    for a signed-in session: without one there is nothing to forge, and the answer is
    401 (sign in), as for a missing or wrong token, not 403."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        return _signed_in(request, session_caller(request.user))


def _signed_in(request: HttpRequest, caller: Caller | None) -> Caller | None:
    if caller is not None:
        cast(ApiRequest, request).currency = Business.current().currency  # for money in responses
    return caller


def session_caller(user) -> Caller | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role:
        return Caller(user, user.role)
    customer = Customer.objects.filter(user=user).only("id").first()
    return Caller(user, CUSTOMER, customer.id) if customer else None


def caller_scope(request: HttpRequest) -> str | None:
    """A stable name for the caller, to scope idempotency keys; None if unauthenticated."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = ApiToken.find(header[7:].strip())
        return f"token:{token.id}" if token and token.power else None
    user = getattr(request, "user", None)
    return f"user:{user.id}" if user is not None and user.is_authenticated else None
