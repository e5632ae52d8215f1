"""The schedule, a session's roster, and booking actions (check in, cancel, no-show)."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passbook import clock
from passbook.models import Booking, Business, Customer, Session, User, WaitlistEntry
from passbook.queries import sessions_with_places
from passbook.rules.calendar import local_date
from passbook.services import bookings, payments, waitlists
from passbook.services import schedule as schedule_service
from passbook.services.explain import explain
from passbook.services.payments import PaymentInput
from passbook.services.schedule import SessionInput
from passbook.web.fields import day_or
from passbook.web.office import forms
from passbook.web.office.common import StaffRequest, staff
from passbook.web.office.passes import BOOKING_ACTIONS
from passbook.web.paths import local_path
from passbook.web.refusals import attempt, refusals


@staff()
def schedule(request: HttpRequest, session_form=None) -> HttpResponse:
    """A week of sessions, Monday to Sunday, in the studio's time zone."""
    tz = Business.current().tz
    day = day_or(request.GET.get("week"), local_date(clock.now(), tz))
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    sessions = (
        sessions_with_places()
        .select_related("staff", "resource")
        .filter(
            starts_at__gte=datetime.combine(monday, time.min, tzinfo=tz),
            starts_at__lt=datetime.combine(days[-1], time.max, tzinfo=tz),
        )
    )
    by_day: dict[date, list[Session]] = {d: [] for d in days}
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
            "session_form": session_form or forms.SessionForm(initial={"on": day}),
        },
        status=422 if session_form is not None else 200,
    )


@require_POST
@staff(User.Role.MANAGER)
def create_sessions(request: HttpRequest) -> HttpResponse:
    """One session, or a weekly series (all or nothing)."""
    form = forms.SessionForm(request.POST)

    def create():
        d = form.cleaned_data
        tz = Business.current().tz
        inp = SessionInput(
            d["class_type"],
            datetime.combine(d["on"], d["at"], tzinfo=tz),
            staff_id=d["staff"].id if d["staff"] else None,
            resource_id=d["resource"].id if d["resource"] else None,
            capacity=d["capacity"],
        )
        if d["repeat_on"]:
            return schedule_service.create_weekly(inp, weekdays=d["repeat_on"], until=d["until"])
        return [schedule_service.create_session(inp)]

    if attempt(request, form, create, "Session(s) added to the schedule."):
        return redirect(f"/office/schedule/?week={form.cleaned_data['on']:%Y-%m-%d}")
    return schedule(request, session_form=form)


@require_POST
@staff(User.Role.MANAGER)
def cancel_session(request: StaffRequest, pk: int) -> HttpResponse:
    """Cancel a session: holds released; the customers to tell are listed."""
    form = forms.CancelSessionForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            None,
            lambda: schedule_service.cancel_session(
                pk, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            _cancelled,
        )
    return redirect("office:session", pk=pk)


def _cancelled(cancelled) -> str:
    names = ", ".join(b.customer.name for b in cancelled) or "nobody was booked"
    return f"Session cancelled; credits given back. Tell: {names}."


def with_money_owed(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Roster rows, with what each drop-in still owes (`owed`), for its payment form."""
    paid = Coalesce(Sum("payments__amount"), Value(Decimal(0)))
    owed = ExpressionWrapper(F("price") - paid, output_field=DecimalField(decimal_places=2))
    return bookings.select_related("customer", "customer_pass").annotate(owed=owed)


@require_POST
@staff(User.Role.MANAGER)
def change_places(request: StaffRequest, pk: int) -> HttpResponse:
    """Change the session's capacity and waitlist capacity; new places go to the waitlist."""
    form = forms.PlacesForm(request.POST)

    def change() -> list[Booking]:
        return schedule_service.change_places(
            pk,
            capacity=form.cleaned_data["capacity"],
            waitlist_capacity=form.cleaned_data["waitlist_capacity"],
            actor=request.user,
        )

    if attempt(request, form, change, _places_changed):
        return redirect("office:session", pk=pk)
    session = get_object_or_404(Session.objects.select_related("class_type"), pk=pk)
    return _roster(request, session, places_form=form, status=422)


def _places_changed(promoted: list[Booking]) -> str:
    names = ", ".join(b.customer.name for b in promoted)
    return f"Places changed. Booked from the waitlist: {names}." if names else "Places changed."


def _places_form(session: Session) -> forms.PlacesForm:
    initial = {"capacity": session.capacity, "waitlist_capacity": session.waitlist_capacity}
    return forms.PlacesForm(initial=initial)


def _roster(request: HttpRequest, session: Session, *, status: int = 200, **extra) -> HttpResponse:
    roster = with_money_owed(session.bookings.all()).order_by(
        "customer__last_name", "customer__first_name"
    )
    live = sum(1 for b in roster if b.is_live)
    business = Business.current()
    context = {
        "session": session,
        "roster": roster,
        "places_left": session.capacity - live - waitlists.held_offers(session).count(),
        "waitlist": waitlists.with_position(waitlists.listed(session).select_related("customer")),
        "add_form": forms.AddToSessionForm(),
        "places_form": _places_form(session),
        "waitlist_capacity": waitlists.capacity(session, business),
        "studio_waitlist_capacity": business.waitlist_capacity,
        **extra,
    }
    return render(request, "office/session.html", context, status=status)


@staff()
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The roster; ?find= narrows the customer picker (htmx swaps just the picker)."""
    find = request.GET.get("find", "")[:100]
    chosen = request.GET if "customer" in request.GET else None
    form = forms.AddToSessionForm(chosen, find=find)
    return _explained(request, pk, form, find=find)


def _explained(
    request: HttpRequest, pk: int, form: forms.AddToSessionForm, **extra
) -> HttpResponse:
    """The roster, with which of the chosen customer's passes would pay, and why."""
    session = get_object_or_404(Session.objects.select_related("class_type"), pk=pk)
    verdicts = explain(form.cleaned_data["customer"].id, pk) if form.is_valid() else None
    return _roster(
        request,
        session,
        add_form=form,
        verdicts=verdicts,
        chosen=next((v for v in verdicts or [] if v.chosen), None),
        **extra,
    )


@require_POST
@staff()
def add_to_session(request: StaffRequest, pk: int) -> HttpResponse:
    """Book a customer from the roster; the spend rule picks the pass. The same form's
    "Which pass pays?" shows that first, for the customer the form shows."""
    form = forms.AddToSessionForm(request.POST)
    if request.POST.get("explain"):
        return _explained(request, pk, form)
    paid_by = request.POST.get("paid_by", Booking.PaidBy.PASS)
    if request.POST.get("waitlist"):
        return _add_to_waitlist(request, pk, form, drop_in=paid_by == Booking.PaidBy.DROP_IN)

    def book() -> Customer:
        customer: Customer = form.cleaned_data["customer"]
        bookings.book(customer.id, pk, paid_by=paid_by, actor=request.user)
        return customer

    if attempt(request, form, book, lambda c: f"{c.name} booked.", field="customer"):
        return redirect("office:session", pk=pk)
    session = get_object_or_404(Session.objects.select_related("class_type"), pk=pk)
    return _roster(request, session, add_form=form)


def _add_to_waitlist(
    request: StaffRequest, pk: int, form: forms.AddToSessionForm, *, drop_in: bool
) -> HttpResponse:
    """The same form's "Add to waitlist": the customer waits for a place in this full
    session (paying by pass, or the drop-in price if "Drop-in" is chosen)."""

    def join() -> WaitlistEntry:
        customer: Customer = form.cleaned_data["customer"]
        return waitlists.join(customer.id, pk, drop_in=drop_in, actor=request.user)

    def added(e: WaitlistEntry) -> str:
        return f"{e.customer.name} is #{waitlists.position(e)} on the waitlist."

    if attempt(request, form, join, added, field="customer"):
        return redirect("office:session", pk=pk)
    session = get_object_or_404(Session.objects.select_related("class_type"), pk=pk)
    return _roster(request, session, add_form=form)


def _remove(entry_id: int, *, actor: User | None) -> WaitlistEntry:
    return waitlists.leave(entry_id, actor=actor, by_staff=True)


WAITLIST_ACTIONS: dict[str, tuple[Callable[..., object], str]] = {
    "promote": (waitlists.promote, "Booked from the waitlist."),
    "remove": (_remove, "Removed from the waitlist."),
}


@require_POST
@staff()
def waitlist_action(request: StaffRequest, pk: int, action: str) -> HttpResponse:
    """Promote someone from the waitlist now (if there is a place), or remove them."""
    if action not in WAITLIST_ACTIONS:
        return HttpResponse(status=404)
    entry = get_object_or_404(WaitlistEntry, pk=pk)
    service, success = WAITLIST_ACTIONS[action]
    attempt(request, None, lambda: service(pk, actor=request.user), success)
    return redirect("office:session", pk=entry.session_id)


@require_POST
@staff()
def booking_action(request: StaffRequest, pk: int, action: str) -> HttpResponse:
    """Check in, undo, cancel or no-show; htmx gets the updated roster row back."""
    if action not in BOOKING_ACTIONS:
        return HttpResponse(status=404)
    service, success = BOOKING_ACTIONS[action]
    attempt(request, None, lambda: service(pk, actor=request.user), success)
    booking = get_object_or_404(with_money_owed(Booking.objects.select_related("session")), pk=pk)
    if request.htmx:  # the row shows the outcome in place, refusals included
        error = " ".join(refusals(request))
        return render(request, "office/_roster_row.html", {"b": booking, "error": error})
    roster = f"/office/sessions/{booking.session_id}/"
    return redirect(local_path(request, request.POST.get("next"), roster))


@require_POST
@staff()
def drop_in_payment(request: StaffRequest, pk: int) -> HttpResponse:
    """Take a drop-in's money on the roster (a plain form; no more than it costs)."""
    form = forms.DropInPaymentForm(request.POST)
    attempt(
        request,
        form,
        lambda: payments.record_drop_in_payment(
            pk,
            PaymentInput(form.cleaned_data["amount"], form.cleaned_data["method"]),
            actor=request.user,
        ),
        lambda paid: f"Drop-in payment of {paid.amount} recorded.",
    )
    if not form.is_valid():
        for name, errs in form.errors.get_json_data().items():
            messages.error(request, f"{name.capitalize()}: {' '.join(e['message'] for e in errs)}")
    booking = get_object_or_404(Booking, pk=pk)
    roster = f"/office/sessions/{booking.session_id}/"
    return redirect(local_path(request, request.POST.get("next"), roster))


@staff()
def booking_list(request: HttpRequest) -> HttpResponse:
    """Managing Bookings: pass-paid bookings cost credits ("1.00 CR"), drop-ins money."""
    form = forms.BookingFilterForm(request.GET or None)
    qs = Booking.objects.select_related("customer", "session__class_type", "customer_pass")
    f = form.cleaned_data if form.is_valid() else {}
    if f.get("on"):
        tz = Business.current().tz
        qs = qs.filter(
            session__starts_at__gte=datetime.combine(f["on"], time.min, tzinfo=tz),
            session__starts_at__lte=datetime.combine(f["on"], time.max, tzinfo=tz),
        )
    if f.get("session"):
        qs = qs.filter(session_id=f["session"])
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    for word in (f.get("q") or "").split()[:5]:
        qs = qs.filter(
            Q(customer__first_name__icontains=word) | Q(customer__last_name__icontains=word)
        )
    page = Paginator(qs.order_by("-session__starts_at", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "office/booking_list.html", {"form": form, "page": page})
