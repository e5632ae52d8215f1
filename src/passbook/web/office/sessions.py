"""The schedule, a session's roster, and booking actions (check in, cancel, no-show)."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from passbook.models import Booking, Business, Customer, Session
from passbook.services import bookings
from passbook.services.errors import DomainError
from passbook.services.explain import explain
from passbook.web.office import forms
from passbook.web.office.common import staff
from passbook.web.office.passes import BOOKING_ACTIONS


@staff()
def schedule(request: HttpRequest) -> HttpResponse:
    """A week of sessions, Monday to Sunday, in the studio's time zone."""
    tz = Business.current().tz
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = datetime.now(tz).date()
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    sessions = Session.objects.select_related("class_type", "staff", "resource").filter(
        starts_at__gte=datetime.combine(monday, time.min, tzinfo=tz),
        starts_at__lt=datetime.combine(days[-1], time.max, tzinfo=tz),
    )
    by_day = {d: [] for d in days}
    for s in sessions:
        by_day[s.starts_at.astimezone(tz).date()].append(s)
    return render(
        request,
        "office/schedule.html",
        {
            "days": by_day.items(),
            "monday": monday,
            "prev": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
        },
    )


def _roster(request: HttpRequest, session: Session, **extra) -> HttpResponse:
    roster = session.bookings.select_related("customer", "customer_pass").order_by(
        "customer__last_name", "customer__first_name"
    )
    live = sum(1 for b in roster if b.is_live)
    context = {
        "session": session,
        "roster": roster,
        "places_left": session.capacity - live,
        "add_form": forms.AddToSessionForm(),
        **extra,
    }
    return render(request, "office/session.html", context)


@staff()
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("class_type"), pk=pk)
    form = forms.AddToSessionForm(request.GET or None)
    verdicts = explain(form.cleaned_data["customer"].id, pk) if form.is_valid() else None
    return _roster(
        request,
        session,
        add_form=form,
        verdicts=verdicts,
        chosen=next((v for v in verdicts or [] if v.chosen), None),
    )


@require_POST
@staff()
def add_to_session(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a customer from the roster; the spend rule picks the pass (shown beforehand)."""
    form = forms.AddToSessionForm(request.POST)
    if form.is_valid():
        customer: Customer = form.cleaned_data["customer"]
        paid_by = request.POST.get("paid_by", Booking.PaidBy.PASS)
        try:
            bookings.book(customer.id, pk, paid_by=paid_by, actor=request.user)
            messages.success(request, f"{customer.name} booked.")
            return redirect("office:session", pk=pk)
        except DomainError as exc:
            form.add_error("customer", exc.message)
    session = get_object_or_404(Session.objects.select_related("class_type"), pk=pk)
    return _roster(request, session, add_form=form)


@require_POST
@staff()
def booking_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Check in, undo, cancel or no-show; htmx gets the updated roster row back."""
    if action not in BOOKING_ACTIONS:
        return HttpResponse(status=404)
    service, success = BOOKING_ACTIONS[action]
    error = None
    try:
        service(pk, actor=request.user)
    except DomainError as exc:
        error = exc.message
    booking = get_object_or_404(
        Booking.objects.select_related("customer", "customer_pass", "session"), pk=pk
    )
    if request.htmx:
        return render(request, "office/_roster_row.html", {"b": booking, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = f"/office/sessions/{booking.session_id}/"
    return redirect(back)
