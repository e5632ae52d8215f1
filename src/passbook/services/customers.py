"""Customers added by staff: a walk-in gets a record at the desk, with a warning first
when someone with the same email or phone is already on file."""

import re
from typing import cast

from django.db import transaction
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Replace

from passbook.models import Customer
from passbook.services import errors, records

# Fewer digits than this is not a phone number worth comparing (an extension, a typo).
PHONE_DIGITS = 6
PUNCTUATION = (" ", "-", "(", ")", "+", ".", "/")


def phone_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def _digits_of(field: str) -> Func:
    """The field with the usual phone punctuation taken out, in SQL."""
    expression: Func | F = F(field)
    for mark in PUNCTUATION:
        expression = Replace(expression, Value(mark), Value(""))
    return cast(Func, expression)


def already_on_file(email: str, phone: str) -> list[Customer]:
    """Customers with this email (any case) or this phone number (any punctuation)."""
    email, digits = email.strip(), phone_digits(phone)
    same = Q(pk__in=[])
    if email:
        same |= Q(email__iexact=email)
    if len(digits) >= PHONE_DIGITS:
        same |= Q(phone_digits=digits)
    return list(
        Customer.objects.annotate(phone_digits=_digits_of("phone")).filter(same).order_by("id")[:20]
    )


@transaction.atomic
def add(fields: dict, *, even_if_on_file: bool = False) -> Customer:
    """A new customer. Someone with the same email or phone refuses it (possible_duplicate,
    naming them) unless staff confirm it is another person (families share a phone)."""
    matches = already_on_file(fields.get("email", ""), fields.get("phone", ""))
    if matches and not even_if_on_file:
        names = ", ".join(c.name for c in matches)
        raise errors.PossibleDuplicate(
            f"Already on file with this email or phone: {names}.",
            matches=[{"id": c.id, "name": c.name} for c in matches],
        )
    return records.save(Customer(), fields)
