"""What a refusal says to a customer.

The services' messages are written for staff ("This customer is already booked…"). The
portal says the same to the customer, in the second person and naming the class; a code
not listed here keeps the services' message, which is already neutral.
"""

from collections.abc import Callable, Sequence
from typing import TypeVar

from django import forms
from django.http import HttpRequest
from django.utils import formats, timezone

from passbook.models import Session
from passbook.services import errors
from passbook.web import refusals

T = TypeVar("T")

CUSTOMER = {
    errors.AlreadyBooked.code: "You are already booked into {session}.",
    errors.SessionFull.code: "{session} is full.",
    errors.SessionCancelled.code: "{session} has been cancelled.",
    errors.SessionOver.code: "{session} has already ended.",
    errors.NoUsablePass.code: "None of your passes can pay for {session}.",
    errors.NotEnoughCredit.code: "Your account credit does not cover this.",
}


def class_and_time(session: Session) -> str:
    """'Vinyasa on Tue 8 Dec at 18:00', in the business's zone (the active one)."""
    when = formats.date_format(timezone.localtime(session.starts_at), r"D j M \a\t H:i")
    return f"{session.class_type} on {when}"


def _which(sessions: Sequence[Session], session_id: int | None) -> str:
    named = [s for s in sessions if s.id == session_id] or sessions
    if len(named) == 1:
        return class_and_time(named[0])
    return "one of the classes you picked" if named else "this class"


def for_customer(sessions: Sequence[Session] = ()) -> refusals.Wording:
    """Refusals of an action on `sessions` (none, one, or several), in customer words."""

    def wording(exc: errors.DomainError) -> str:
        template = CUSTOMER.get(exc.code)
        if template is None:
            return exc.message
        text = template.format(session=_which(sessions, exc.details.get("session_id")))
        return text[0].upper() + text[1:]

    return wording


def attempt(
    request: HttpRequest,
    form: forms.Form | None,
    action: Callable[[], T],
    success: str | Callable[[T], str],
    sessions: Sequence[Session] = (),
) -> bool:
    """refusals.attempt() for the portal: a refusal of an action on `sessions` is shown
    in customer words."""
    return refusals.attempt(request, form, action, success, wording=for_customer(sessions))
