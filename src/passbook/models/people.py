import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class StaffUserManager(UserManager["User"]):
    """Django's, except that `createsuperuser` makes an owner: a superuser without a
    studio role would be refused the back office."""

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("role", User.Role.OWNER)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    """A login: staff carry a role; a customer's login is linked from Customer.user."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MANAGER = "manager", "Manager"
        FRONTDESK = "frontdesk", "Front desk"

    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    deactivated_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the login was last deactivated; sessions signed in before then "
        "stay ended after it is reactivated.",
    )

    objects: ClassVar[StaffUserManager] = StaffUserManager()

    @property
    def is_studio_staff(self) -> bool:
        return bool(self.role)

    def get_session_auth_hash(self) -> str:
        return self._sealed(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        return (self._sealed(h) for h in super().get_session_auth_fallback_hash())

    def _sealed(self, auth_hash: str) -> str:
        """Django checks a session against this hash on every request: binding it to the
        last deactivation ends every session from before it, for good."""
        if self.deactivated_at is None:
            return auth_hash  # Django's own, so no session from before this rule ends
        stamp = f"{auth_hash}:{self.deactivated_at.timestamp()}"
        return hashlib.sha256(stamp.encode()).hexdigest()


# Each role can do everything the roles below it can.
ROLE_RANK: dict[str, int] = {User.Role.FRONTDESK: 1, User.Role.MANAGER: 2, User.Role.OWNER: 3}


def at_least(role: str, needed: str) -> bool:
    """Does `role` (a User.Role value, or anything else for none) include `needed`?"""
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[needed]


class Customer(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Secret for the private calendar feed; a new one revokes the old URL.
    calendar_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Set when the record came from another system (`passbook import`): the id it had
    # there, and the import that created it.
    external_id = models.CharField(max_length=100, blank=True, default="")
    import_batch = models.ForeignKey(
        "passbook.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["last_name", "first_name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="customer_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Staff(models.Model):
    """Who teaches or treats; may or may not have a login."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_profile",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return self.name
