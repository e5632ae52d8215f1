"""Sales › Passes and the pass ticket (Nabooki's booking ticket: Sessions, Payments, History)."""

from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passbook import clock
from passbook.models import (
    Booking,
    Business,
    OnlineCheckout,
    Pass,
    PassEntry,
    User,
    WaitlistEntry,
)
from passbook.queries import filter_passes, pass_ordering
from passbook.rules import history
from passbook.rules.calendar import end_of_day
from passbook.rules.ledger import EntryKind
from passbook.rules.money import payment_status
from passbook.rules.status import pass_status
from passbook.services import bookings, online_payments, passes, payments
from passbook.services.facts import pass_facts
from passbook.services.payments import PaymentInput
from passbook.web.exports import csv_download
from passbook.web.office import forms
from passbook.web.office.common import staff
from passbook.web.refusals import attempt

MANAGER = User.Role.MANAGER
COLUMNS = [
    ("customer", "Customer"),
    ("name", "Pass"),
    ("total", "Total"),
    ("held", "Booked"),
    ("used", "Used"),
    ("remaining", "Remaining"),
    ("expires_at", "Valid until"),
    ("paid", "Payment"),
    ("status", "Status"),
]


def _filtered(request: HttpRequest) -> tuple[forms.PassFilterForm, QuerySet[Pass]]:
    form = forms.PassFilterForm(request.GET or None)
    qs = Pass.objects.select_related("customer")
    f = form.cleaned_data if form.is_valid() else {}
    now = clock.now()
    within = f.get("expiring_within")
    qs = filter_passes(
        qs,
        now,
        status=f.get("status") or None,
        payment=f.get("payment") or None,
        product_id=f["product"].id if f.get("product") else None,
        expires_by=(
            end_of_day(
                (now + timedelta(days=within)).astimezone(Business.current().tz).date(),
                Business.current().tz,
            )
            if within is not None
            else None
        ),
    )
    if within is not None:
        qs = qs.filter(expires_at__gte=now)
    for word in (f.get("q") or "").split()[:5]:
        qs = qs.filter(
            Q(customer__first_name__icontains=word)
            | Q(customer__last_name__icontains=word)
            | Q(customer__email__icontains=word)
        )
    sort = request.GET.get("sort", "-purchased_at")
    ordering = pass_ordering(sort) or pass_ordering("-purchased_at")
    assert ordering is not None, "-purchased_at is one of PASS_SORTS"
    return form, qs.order_by(*ordering)


def _row(p: Pass, now: datetime) -> dict:
    return {
        "pass": p,
        "status": pass_status(pass_facts(p), now),
        "payment": payment_status(p.price, p.amount_paid),
    }


@staff()
def pass_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    now = clock.now()
    query = request.GET.copy()
    query.pop("page", None)
    sort = request.GET.get("sort", "-purchased_at")
    query.pop("sort", None)
    return render(
        request,
        "office/pass_list.html",
        {
            "form": form,
            "page": page,
            "rows": [_row(p, now) for p in page],
            "columns": COLUMNS,
            "sort": sort,
            "query": query.urlencode(),
        },
    )


PASS_COLUMNS = [
    "Pass id",
    "Customer",
    "Pass",
    "Total",
    "Booked",
    "Used",
    "Remaining",
    "Valid until",
    "Price",
    "Paid",
    "Payment",
    "Status",
]


@staff()
def pass_csv(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV, the same rows as on screen (all pages)."""
    _form, qs = _filtered(request)
    now, tz = clock.now(), Business.current().tz
    rows = (_csv_row(p, now, tz) for p in qs.iterator(chunk_size=1000))
    return csv_download("passes.csv", PASS_COLUMNS, rows)


def _csv_row(p: Pass, now: datetime, tz: ZoneInfo) -> list[object]:
    row = _row(p, now)
    return [
        p.id,
        p.customer.name,
        p.name,
        p.total if p.total is not None else "Unlimited",
        p.held,
        p.used,
        p.remaining if p.remaining is not None else "Unlimited",
        p.expires_at.astimezone(tz).date().isoformat() if p.expires_at else "",
        p.price,
        p.amount_paid,
        row["payment"].label,
        row["status"].label,
    ]


# The ticket --------------------------------------------------------------------------------


def _ids(form_name: str) -> str:
    """The ticket shows many forms with fields of the same name (reason ×5): each form gets
    its own ids (id_void_reason, id_total_reason…), so every <label for> finds its field.
    The field names, and so the posted data, stay as they are. Prefixed forms already
    have ids of their own (id_refund-amount)."""
    return f"id_{form_name.removesuffix('_form')}_%s"


def _ticket(request: HttpRequest, pk: int, tab: str = "sessions", **bound) -> HttpResponse:
    p = get_object_or_404(Pass.objects.select_related("customer", "product"), pk=pk)
    tz = Business.current().tz
    status = 200 if not bound else 422
    context = {
        "p": p,
        "tab": tab,
        "status": pass_status(pass_facts(p), clock.now()),
        "payment": payment_status(p.price, p.amount_paid),
        "balance": p.price - p.amount_paid,
        "bookings": p.bookings.select_related("session__class_type").order_by("session__starts_at"),
        "payments": p.payments.select_related("recorded_by").order_by("received_at"),
        "history": _history(p, tz) if tab == "history" else [],
        "total_form": forms.TotalForm(initial={"total": p.total or 0}, auto_id=_ids("total_form")),
        "validity_form": forms.ValidityForm(
            initial={
                "starts_on": p.starts_at.astimezone(tz).date() if p.starts_at else None,
                "expires_on": p.expires_at.astimezone(tz).date() if p.expires_at else None,
            },
            auto_id=_ids("validity_form"),
        ),
        "top_up_form": forms.TopUpForm(auto_id=_ids("top_up_form")),
        "priority_form": forms.PriorityForm(prefix="priority", initial={"priority": p.priority}),
        "void_form": forms.VoidForm(auto_id=_ids("void_form")),
        "add_session_form": forms.AddSessionForm(auto_id=_ids("add_session_form")),
        "payment_form": forms.TakePaymentForm(auto_id=_ids("payment_form")),
        "refund_form": forms.PaymentForm(prefix="refund"),
        "online_refund_form": forms.OnlineRefundForm(prefix="online-refund"),
        "checkout": OnlineCheckout.objects.filter(customer_pass=p).first(),
        "paid_by_card": online_payments.paid_by_card(p),
        "card_refunds": online_payments.refunds_of(p),
        "freeze_form": forms.FreezeForm(auto_id=_ids("freeze_form")),
        "credit_form": forms.PayWithCreditForm(auto_id=_ids("credit_form")),
        **bound,
    }
    return render(request, "office/pass_ticket.html", context, status=status)


# A credit held for a wait (studio setting) and given back: not a booking's.
FOR_A_WAIT: dict[str, str] = {
    EntryKind.HOLD: "Held for a waitlist",
    EntryKind.RELEASE: "Waitlist hold given back",
}


def _history(p: Pass, tz: ZoneInfo) -> list[tuple[PassEntry, history.Line]]:
    """Each ledger entry with how it reads: a label, before → after, and why."""
    entries = list(p.entries.select_related("actor", "booking__session__class_type"))
    lines = history.lines(((e.as_rule, e.reason) for e in entries), tz)
    waits = WaitlistEntry.objects.filter(credit_hold__customer_pass=p)
    for_waits = {i for pair in waits.values_list("credit_hold", "credit_release") for i in pair}
    return [
        (e, replace(line, label=FOR_A_WAIT[e.kind]) if e.id in for_waits else line)
        for e, line in zip(entries, lines, strict=True)
    ]


@staff()
def pass_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    tab = request.GET.get("tab", "sessions")
    return _ticket(request, pk, tab if tab in {"sessions", "payments", "history"} else "sessions")


def _act(request, pk, form_name, form, action, success, tab="sessions") -> HttpResponse:
    if attempt(request, form, action, success):
        return redirect(f"/office/passes/{pk}/?tab={tab}")
    return _ticket(request, pk, tab, **{form_name: form})


def _edit(
    form_class,
    form_name: str,
    role: str,
    run,
    success: str,
    tab: str = "sessions",
    prefix: str | None = None,
):
    """A ticket action: validate the form, call the service, show errors beside fields.

    `run(pk, data, user)` calls the service with the form's cleaned data.
    """

    @require_POST
    @staff(role)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        if prefix:
            form = form_class(request.POST, prefix=prefix)
        else:
            form = form_class(request.POST, auto_id=_ids(form_name))
        return _act(
            request,
            pk,
            form_name,
            form,
            lambda: run(pk, form.cleaned_data, request.user),
            success,
            tab,
        )

    return view


def _payment(d: dict) -> PaymentInput:
    received = None
    if d["received_on"]:
        noon = datetime.combine(d["received_on"], time(12), tzinfo=Business.current().tz)
        received = min(clock.now(), noon)
    return PaymentInput(d["amount"], d["method"], received, note=d["note"])


def _add_session(pk: int, d: dict, user: User):
    return passes.add_session(
        pk,
        on=d["on"],
        at=d["at"],
        class_type_id=d["class_type"].id,
        staff_id=d["staff"].id if d["staff"] else None,
        resource_id=d["resource"].id if d["resource"] else None,
        actor=user,
    )


edit_total = _edit(
    forms.TotalForm,
    "total_form",
    MANAGER,
    lambda pk, d, u: passes.set_total(pk, d["total"], reason=d["reason"], actor=u),
    "Total sessions updated.",
)
edit_validity = _edit(
    forms.ValidityForm,
    "validity_form",
    MANAGER,
    lambda pk, d, u: passes.change_validity(
        pk, starts_on=d["starts_on"], expires_on=d["expires_on"], reason=d["reason"], actor=u
    ),
    "Validity updated.",
)
top_up = _edit(
    forms.TopUpForm,
    "top_up_form",
    MANAGER,
    lambda pk, d, u: passes.top_up(pk, d["amount"], reason=d["reason"], actor=u),
    "Sessions added to the pass.",
)
edit_priority = _edit(
    forms.PriorityForm,
    "priority_form",
    MANAGER,
    lambda pk, d, u: passes.set_priority(pk, d["priority"], reason=d["reason"], actor=u),
    "Priority changed.",
    prefix="priority",
)
void = _edit(
    forms.VoidForm,
    "void_form",
    MANAGER,
    lambda pk, d, u: passes.void(pk, reason=d["reason"], actor=u),
    "Pass voided.",
)
add_session = _edit(
    forms.AddSessionForm,
    "add_session_form",
    User.Role.FRONTDESK,
    _add_session,
    "Session added and booked.",
)
record_payment = _edit(
    forms.TakePaymentForm,
    "payment_form",
    User.Role.FRONTDESK,
    lambda pk, d, u: payments.record_payment(
        pk, _payment(d), excess_to_credit=d["excess_to_credit"], actor=u
    ),
    "Payment recorded.",
    tab="payments",
)
refund = _edit(
    forms.PaymentForm,
    "refund_form",
    MANAGER,
    lambda pk, d, u: payments.refund(pk, _payment(d), actor=u),
    "Refund recorded.",
    tab="payments",
    prefix="refund",
)

refund_online = _edit(
    forms.OnlineRefundForm,
    "online_refund_form",
    MANAGER,
    lambda pk, d, u: online_payments.refund(pk, d["amount"], actor=u),
    "Refund asked of Stripe; it is recorded when Stripe confirms it.",
    tab="payments",
    prefix="online-refund",
)


class BookingAction(Protocol):
    def __call__(self, booking_id: int, *, actor: User | None = None) -> Booking: ...


BOOKING_ACTIONS: dict[str, tuple[BookingAction, str]] = {
    "check-in": (bookings.check_in, "Checked in."),
    "undo-check-in": (bookings.undo_check_in, "Check-in undone."),
    "cancel": (bookings.cancel, "Booking cancelled."),
    "no-show": (bookings.mark_no_show, "Marked as no-show."),
    "undo-no-show": (bookings.undo_no_show, "No-show undone; the booking is booked again."),
}
