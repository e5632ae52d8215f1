"""How a page shows a refused action: the one place the web layer maps domain errors.

A refusal is shown beside the form field it concerns, else at the top of the form, else
as a message on the next page. The service's transaction was rolled back, so a refused
action changed nothing; a retryable one (a lock held too long) says to try again.

The services' messages speak to staff; a page for customers passes its own `Wording`
(web/portal/wording.py), which says the same to them.
"""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from passbook.services.errors import DomainError
from passbook.web.paths import referring_path

T = TypeVar("T")
# What a refusal says to the page's reader.
Wording = Callable[[DomainError], str]


def for_staff(exc: DomainError) -> str:
    return exc.message


def show(
    request: HttpRequest,
    exc: DomainError,
    form: forms.Form | None = None,
    field: str = "",
    wording: Wording = for_staff,
) -> None:
    """Show `exc`: under its own field, or `field` when it names none."""
    if form is None:
        messages.error(request, wording(exc))
        return
    name = exc.details.get("field") or field
    form.add_error(name if name in form.fields else None, wording(exc))


def attempt(
    request: HttpRequest,
    form: forms.Form | None,
    action: Callable[[], T],
    success: str | Callable[[T], str],
    field: str = "",
    wording: Wording = for_staff,
) -> bool:
    """Run a service call (for a valid form, if there is one); show a refusal with show().

    Returns True when the action happened. `success` may be a function of the result.
    """
    if form is not None and not form.is_valid():
        return False
    try:
        result = action()
    except DomainError as exc:
        show(request, exc, form, field, wording)
        return False
    messages.success(request, success(result) if callable(success) else success)
    return True


def refusals(request: HttpRequest) -> list[str]:
    """This request's refusal messages, taken off the queue: for a fragment (htmx) that
    shows them in place instead of on the next page."""
    return [m.message for m in messages.get_messages(request) if m.level == messages.ERROR]


class RefusalMiddleware:
    """A refusal no view caught becomes a short page with its message, not a server error:
    409, or 503 with Retry-After when trying again may work (a lock held too long)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError):
            return None
        status = 503 if exc.retryable else 409
        context = {"message": exc.message, "back": referring_path(request, "/")}
        response = render(request, "passbook/refused.html", context, status=status)
        if exc.retryable:
            response["Retry-After"] = "1"
        return response
