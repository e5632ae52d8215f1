"""Staff logins: adding one (with a first password, or an emailed invitation to choose
one), changing its role, deactivating and reactivating it.

The email address is the username. The studio always keeps an active owner: a change
that would leave none is refused (`last_owner`). Each change is logged (logger
`passbook.staff`, to stderr with the request's id) with who made it.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from passbook import clock
from passbook.models import ApiToken, User
from passbook.services import errors, locks, notifications, records

log = logging.getLogger("passbook.staff")

OWNER = User.Role.OWNER
# Where a login chooses its password: a one-time link, made by the entry point (it knows
# the site's address), given the saved login.
InviteLink = Callable[[User], str]


@transaction.atomic
def add(
    *,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
    invite_link: InviteLink | None = None,
    actor: User | None = None,
) -> User:
    """A new staff login. With a password it can sign in at once; without one it has no
    usable password until the person follows the invitation emailed to them."""
    email = _free_email(email)
    user = User(
        username=email, email=email, first_name=first_name, last_name=last_name, role=_role(role)
    )
    if password:
        _check_password(password, user)
        user.set_password(password)
    elif invite_link is None:
        raise errors.InvalidInput("Give a first password, or send an invitation.", field="password")
    else:
        user.set_unusable_password()
    records.save(user, {})
    if invite_link and not password:
        _invite(user, invite_link)
    _log(actor, user, f"added as {user.role}")
    return user


@transaction.atomic
def change_role(user_id: object, role: str, *, actor: User | None = None) -> User:
    role = _role(role)
    user = locks.staff_login(user_id)
    if role != OWNER:
        _keep_an_owner(user)
    return _update(user, actor, f"role changed to {role}", role=role)


@transaction.atomic
def deactivate(user_id: object, *, actor: User | None = None) -> User:
    """The login can no longer sign in, and is signed out everywhere at once: its
    sessions end for good (reactivating does not bring them back) and its API tokens
    are revoked."""
    user = locks.staff_login(user_id)
    if not user.is_active:
        return user
    _keep_an_owner(user)
    now = clock.now()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    return _update(user, actor, "deactivated", is_active=False, deactivated_at=now)


@transaction.atomic
def reactivate(user_id: object, *, actor: User | None = None) -> User:
    """The login may sign in again, with its role and password; not with its old
    sessions or API tokens."""
    user = locks.staff_login(user_id)
    return _update(user, actor, "reactivated", is_active=True)


@transaction.atomic
def invite(user_id: object, invite_link: InviteLink, *, actor: User | None = None) -> User:
    """Email the login a new link to choose its password (the last one expired, or the
    message went astray)."""
    user = locks.staff_login(user_id)
    if not user.is_active:
        raise errors.InvalidInput("This login is deactivated: reactivate it first.")
    if not user.email:
        raise errors.InvalidInput("This login has no email address to send to.")
    _invite(user, invite_link)
    _log(actor, user, "invitation sent again")
    return user


def _role(role: str) -> str:
    if role not in User.Role.values:
        raise errors.InvalidInput("Choose a role: owner, manager or front desk.", field="role")
    return role


def _free_email(email: str) -> str:
    """The address, normalised, if it is valid and no login has it yet."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise errors.InvalidInput("Enter a valid email address.", field="email") from None
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise errors.AlreadyExists("Another login already has this email address.", field="email")
    return email


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise errors.InvalidInput(" ".join(exc.messages), field="password") from None


def _keep_an_owner(user: User) -> None:
    """Refuse to take `user` off the active owners when no other owner would be left
    (read under locks.staff_login's lock on every active owner)."""
    others = User.objects.filter(role=OWNER, is_active=True).exclude(pk=user.pk)
    if user.role == OWNER and user.is_active and not others.exists():
        raise errors.LastOwner()


def _invite(user: User, invite_link: InviteLink) -> None:
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600))
    notifications.staff_invite(user, invite_link(user), days)


def _update(user: User, actor: User | None, what: str, **fields: Any) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    _log(actor, user, what)
    return user


def _log(actor: User | None, user: User, what: str) -> None:
    by = actor.get_username() if actor else "a command"
    log.info("staff login %s: %s, by %s", user.get_username(), what, by)
