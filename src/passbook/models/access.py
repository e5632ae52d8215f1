import hashlib
import secrets

from django.conf import settings
from django.db import models

from passbook.models.people import User, at_least
from passbook.prepared import Prepared


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A staff API token. Only its SHA-256 digest is stored; the token is shown once."""

    PREFIX = "pbk_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    role = models.CharField(max_length=16, choices=User.Role.choices)
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(
        max_length=12, help_text="The token's first characters, to tell it apart."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.hint}… ({self.role}{', revoked' if self.revoked_at else ''})"

    @property
    def power(self) -> str | None:
        """What the token may do now: the lesser of the role it was issued with and its
        user's current role, so demoting or removing a staff member limits their tokens
        at once; None once the user holds no staff role."""
        if not at_least(self.user.role, User.Role.FRONTDESK):
            return None
        return self.role if at_least(self.user.role, self.role) else self.user.role

    @classmethod
    def issue(cls, user: User, role: str, name: str = "") -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, role=role, name=name, digest=_digest(raw), hint=raw[:10]
        )
        return token, raw

    @classmethod
    def find(cls, raw: str) -> "ApiToken | None":
        found = _LIVE_TOKEN.objects(_digest(raw))
        return found[0] if found else None


_LIVE_TOKEN = Prepared(  # on every API request: compiled once
    lambda digest: ApiToken.objects.select_related("user").filter(
        digest=digest, revoked_at__isnull=True, user__is_active=True
    )
)


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an Idempotency-Key, per caller.

    Written in the same transaction as the request's effect, so a request either has
    its effect and its record, or neither.
    """

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=bytes)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_caller")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class Attempt(models.Model):
    """One throttled thing let through (a password reset, a sign-up) for one caller: an
    address (`ip:…`) or an account (`email:…`). The jobs prune old ones."""

    kind = models.CharField(max_length=24)
    who = models.CharField(max_length=300)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "who", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} by {self.who} at {self.at:%Y-%m-%d %H:%M}"
