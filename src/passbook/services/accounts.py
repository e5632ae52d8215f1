"""Customer accounts: signing up, and the private calendar feed's secret."""

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from passbook.models import Customer, User
from passbook.services import errors, locks


@transaction.atomic
def sign_up(*, first_name: str, last_name: str, email: str, password: str) -> Customer:
    """A login and a customer record, together. The email is the username."""
    email = email.strip().lower()
    if User.objects.filter(username__iexact=email).exists():
        raise errors.InvalidInput(
            "An account with this email already exists; log in or reset your password.",
            field="email",
        )
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise errors.InvalidInput(" ".join(exc.messages), field="password1") from None
    user.set_password(password)
    user.save()
    return Customer.objects.create(
        first_name=first_name, last_name=last_name, email=email, user=user
    )


@transaction.atomic
def new_calendar_token(customer_id: int) -> str:
    """Issue a new secret for the calendar feed; the old URL stops working."""
    customer = locks.customer(customer_id)
    customer.calendar_token = secrets.token_urlsafe(32)
    customer.save(update_fields=["calendar_token"])
    return customer.calendar_token
