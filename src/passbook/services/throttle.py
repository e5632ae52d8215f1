"""Limits on what anyone may ask for from outside, however often: password-reset emails
and sign-ups, per account (the email address asked about) and per address (the client's
IP). Only what went through is counted (models.Attempt): a refused ask, or one that
failed for another reason (a weak password), neither sends anything nor extends a limit."""

from dataclasses import dataclass
from datetime import timedelta

from passbook import clock
from passbook.models import Attempt
from passbook.services import durable


@dataclass(frozen=True)
class Limit:
    window: timedelta
    per_account: int
    per_address: int


LIMITS = {
    "password_reset": Limit(timedelta(hours=1), per_account=3, per_address=10),
    "sign_up": Limit(timedelta(hours=1), per_account=3, per_address=10),
}
LONGEST_WINDOW = max(limit.window for limit in LIMITS.values())


def allows(kind: str, email: str, address: str) -> bool:
    """May one more `kind` go through for this email and client address?"""
    limit = LIMITS[kind]
    recent = Attempt.objects.filter(kind=kind, at__gte=clock.now() - limit.window)
    account, client = _whos(email, address)
    return (
        recent.filter(who=account).count() < limit.per_account
        and recent.filter(who=client).count() < limit.per_address
    )


def count(kind: str, email: str, address: str) -> None:
    """One `kind` went through (a message was sent) for this email and address."""
    now = clock.now()
    durable.record(
        lambda: Attempt.objects.bulk_create(
            [Attempt(kind=kind, who=who, at=now) for who in _whos(email, address)]
        )
    )


def _whos(email: str, address: str) -> tuple[str, str]:
    return f"email:{email.strip().lower()}", f"ip:{address}"
