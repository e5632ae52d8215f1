"""Who is asking: the client's address behind trusted proxies, and login throttling by
account and address.

Behind a TLS proxy every request comes from the proxy's address. The client's own is in
X-Forwarded-For, which anyone can also send, so it is read only when the request comes
from a proxy named in PASSBOOK_TRUSTED_PROXIES, and only up to the first hop that is not
one of them.
"""

import ipaddress
from functools import cache

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in spec)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_proxy(address: Address | None) -> bool:
    proxies = _networks(tuple(settings.PASSBOOK_TRUSTED_PROXIES))
    return address is not None and any(address in net for net in proxies)


def client_ip(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or when that is a trusted proxy,
    the nearest address in X-Forwarded-For that is not a trusted proxy itself."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not _is_proxy(_address(remote)):
        return remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # a hop that is no address: trust nothing beyond it
        if not _is_proxy(address):
            return str(address)
    return remote


class LoginThrottle(AxesDatabaseHandler):
    """django-axes with a limit for each of its lockout parameters (AXES_LOCKOUT_PARAMETERS,
    in the order of PASSBOOK_LOGIN_LIMITS): a few failures on one account from one
    address, more on one account from anywhere, or from one address on any account. A
    guesser is stopped at once; a stranger cannot easily lock a studio's owner out."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures axes compares with AXES_FAILURE_LIMIT (the first group's limit):
        those of this account at this address, or that limit itself as soon as any group
        has reached its own."""
        groups = self.get_user_attempts(request, credentials)
        counts = [group.aggregate(n=Sum("failures_since_start"))["n"] or 0 for group in groups]
        limits = settings.PASSBOOK_LOGIN_LIMITS
        if any(n >= limit for n, limit in zip(counts, limits, strict=True)):
            return max(counts[0], limits[0])
        return counts[0]
