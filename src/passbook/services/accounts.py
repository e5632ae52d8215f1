"""Customer accounts: signing up and confirming the address, and the private calendar
feed's secret."""

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction

from passbook.models import Customer, User
from passbook.services import errors, locks, notifications

CONFIRM_SALT = "passbook.confirm-email"
CONFIRM_FOR = timedelta(days=3)


@transaction.atomic
def sign_up(
    *, first_name: str, last_name: str, email: str, password: str, confirm_url: Callable[[str], str]
) -> Customer | None:
    """Ask for an account; the email is the username. A new email gets a login that
    cannot be used yet, a customer record, and a message with a link to confirm the
    address (`confirm_url(token)`). An email already known gets a message saying someone
    tried, and nothing else: the answer is the same either way, so sign-up never tells
    who has an account. Returns the new customer, or None."""
    email = email.strip().lower()
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise errors.InvalidInput(" ".join(exc.messages), field="password1") from None
    known = User.objects.filter(username__iexact=email).first()
    if known is not None:
        notifications.account_exists(known)
        return None
    user.set_password(password)
    user.is_active = False  # until the address is confirmed
    user.save()
    customer = Customer.objects.create(
        first_name=first_name, last_name=last_name, email=email, user=user
    )
    token = signing.dumps(user.id, salt=CONFIRM_SALT)
    notifications.confirm_email(customer, confirm_url(token))
    return customer


@transaction.atomic
def confirm_email(token: str) -> User:
    """Open the login whose address this link (from sign_up) confirms."""
    try:
        user_id = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_FOR)
    except signing.BadSignature:
        raise errors.InvalidInput("This link is not valid, or it has expired.") from None
    user = locks.get(User, user_id, "This link is not valid, or it has expired.")
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def new_calendar_token(customer_id: int) -> str:
    """Issue a new secret for the calendar feed; the old URL stops working."""
    customer = locks.customer(customer_id)
    customer.calendar_token = secrets.token_urlsafe(32)
    customer.save(update_fields=["calendar_token"])
    return customer.calendar_token
