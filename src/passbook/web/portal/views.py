"""The customer portal: my passes, timetable (which pass pays and why), buy, book, cancel,
my bookings and a private calendar feed. Every write goes through the services."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import cast

import icalendar
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from passbook import clock, payment_providers
from passbook.models import (
    Booking,
    Business,
    Customer,
    OnlineCheckout,
    Pass,
    PassProduct,
    Session,
    User,
)
from passbook.models.business import CreditPolicy
from passbook.queries import seen_by_customer, sessions_with_places
from passbook.services import (
    accounts,
    bookings,
    credit,
    online_payments,
    passes,
    throttle,
    vouchers,
    waitlists,
)
from passbook.services.errors import DomainError
from passbook.services.explain import explain_timetable
from passbook.web.cards import card
from passbook.web.clients import client_ip
from passbook.web.paths import local_path
from passbook.web.portal import forms, stripe_js
from passbook.web.portal.wording import attempt


class CustomerRequest(HttpRequest):
    """A request `customer_only` let through."""

    user: User
    customer: Customer


def customer_only(view: Callable) -> Callable:
    """A signed-in customer; `request.customer` is theirs and nobody else's."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "portal:login")
        customer = Customer.objects.filter(user=request.user).first()
        if customer is None:
            raise Http404("This login has no customer account.")
        cast(CustomerRequest, request).customer = customer
        return view(request, *args, **kwargs)

    return wrapper


def sign_up(request: HttpRequest) -> HttpResponse:
    """Ask for an account; the answer is 'check your email' whether or not the address is
    known (its owner is told instead), and asks are throttled per address and account."""
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        who = (d["email"], client_ip(request))
        if not throttle.allows("sign_up", *who):
            form.add_error(None, "Too many sign-ups from here just now; try again in an hour.")
        elif attempt(
            request,
            form,
            lambda: accounts.sign_up(
                first_name=d["first_name"],
                last_name=d["last_name"],
                email=d["email"],
                password=d["password1"],
                confirm_url=lambda token: request.build_absolute_uri(
                    reverse("portal:confirm_email", args=[token])
                ),
            ),
            f"We have sent a link to {d['email']}: open it to finish signing up.",
        ):
            throttle.count("sign_up", *who)
            return redirect("portal:login")
    return render(
        request, "portal/sign_up.html", {"form": form}, status=422 if form.errors else 200
    )


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the sign-up message: the login opens, and its owner is signed in."""
    confirmed: list[User] = []
    if attempt(
        request,
        None,
        lambda: confirmed.append(accounts.confirm_email(token)),
        "Your email address is confirmed. Welcome!",
    ):
        login(request, confirmed[0], backend="django.contrib.auth.backends.ModelBackend")
        return redirect("portal:home")
    return redirect("portal:sign_up")


def _upcoming(customer: Customer):
    return (
        customer.bookings.filter(status=Booking.Status.BOOKED, session__starts_at__gte=clock.now())
        .select_related("session__class_type", "customer_pass")
        .order_by("session__starts_at")
    )


@customer_only
def my_passes(request: CustomerRequest) -> HttpResponse:
    now, customer = clock.now(), request.customer
    upcoming = list(_upcoming(customer))
    cards = [
        (card(p, now), [b for b in upcoming if b.customer_pass_id == p.id])
        for p in customer.passes.filter(voided_at__isnull=True).order_by("-purchased_at")
    ]
    return render(
        request,
        "portal/passes.html",
        {
            "cards": cards,
            "waitlist_news": waitlists.news(customer.id),
            "credit_balance": credit.balance(customer),
            "pay_by_card": payment_providers.stripe_configured(),
        },
    )


def _week(request: HttpRequest) -> tuple[date, forms.TimetableFilter]:
    form = forms.TimetableFilter(request.GET or None)
    chosen = form.cleaned_data.get("week") if form.is_valid() else None
    return chosen or timezone.localdate(), form  # seven days from here, not Mon-Sun


@customer_only
def timetable(request: CustomerRequest) -> HttpResponse:
    monday, form = _week(request)
    tz = Business.current().tz
    start = max(datetime.combine(monday, time.min, tzinfo=tz), clock.now())
    sessions = list(
        seen_by_customer(sessions_with_places(), request.customer.id)
        .select_related("staff")
        .filter(
            status=Session.Status.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=datetime.combine(monday + timedelta(days=7), time.min, tzinfo=tz),
        )
    )
    category = form.cleaned_data.get("category") if form.is_valid() else None
    if category:
        sessions = [s for s in sessions if s.class_type.category_id == category.id]
    verdicts = explain_timetable(request.customer.id, sessions)
    mine = {
        b.session_id: b
        for b in request.customer.bookings.filter(status__in=Booking.LIVE, session__in=sessions)
    }
    waiting = waitlists.waiting_for(request.customer.id, sessions)
    rows = [
        {
            "session": s,
            "places_left": s.places_left,
            "booking": mine.get(s.id),
            "waiting": waiting.get(s.id),
            "verdicts": verdicts[s.id],
            "chosen": next((v for v in verdicts[s.id] if v.chosen), None),
        }
        for s in sessions
    ]
    return render(
        request,
        "portal/timetable.html",
        {
            "rows": rows,
            "form": form,
            "monday": monday,
            "prev": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "last": monday + timedelta(days=6),
            "late_cancel_hours": Business.current().late_cancel_hours,
        },
    )


@require_POST
@customer_only
def book(request: CustomerRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(
        seen_by_customer(Session.objects.select_related("class_type"), request.customer.id),
        pk=session_id,
    )
    attempt(
        request,
        None,
        lambda: bookings.book(request.customer.id, session.id, actor=request.user),
        _booked,
        sessions=[session],
    )
    return redirect(local_path(request, request.POST.get("back"), "portal:timetable"))


@require_POST
@customer_only
def join_waitlist(request: CustomerRequest, session_id: int) -> HttpResponse:
    """Join a full session's waitlist (`late_ok`: book me even inside the late-cancel
    window)."""
    session = get_object_or_404(
        seen_by_customer(Session.objects.select_related("class_type"), request.customer.id),
        pk=session_id,
    )
    attempt(
        request,
        None,
        lambda: waitlists.join(
            request.customer.id,
            session.id,
            late_ok=bool(request.POST.get("late_ok")),
            actor=request.user,
        ),
        lambda e: f"You're #{waitlists.position(e)} on the waitlist for {session.class_type}.",
        sessions=[session],
    )
    return redirect(local_path(request, request.POST.get("back"), "portal:timetable"))


@require_POST
@customer_only
def leave_waitlist(request: CustomerRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(request.customer.waitlist.all(), pk=entry_id)
    attempt(
        request,
        None,
        lambda: waitlists.leave(entry.id, actor=request.user),
        lambda e: (
            "You declined the place."
            if e.status == e.Status.DECLINED
            else "You have left the waitlist."
        ),
    )
    return redirect(local_path(request, request.POST.get("back"), "portal:timetable"))


@require_POST
@customer_only
def claim_place(request: CustomerRequest, entry_id: int) -> HttpResponse:
    """Claim the place held for the customer: booked on the pass the spend rule picks."""
    entry = get_object_or_404(
        request.customer.waitlist.select_related("session__class_type"), pk=entry_id
    )
    attempt(
        request,
        None,
        lambda: waitlists.claim(entry.id, actor=request.user),
        _booked,
        sessions=[entry.session],
    )
    return redirect(local_path(request, request.POST.get("back"), "portal:bookings"))


def _booked(b: Booking) -> str:
    assert b.customer_pass is not None, "the portal books on a pass"
    return f"Booked: {b.session.class_type}, {b.cost_label} from {b.customer_pass.name}."


@customer_only
def cancel(request: CustomerRequest, booking_id: int) -> HttpResponse:
    """Show what cancelling now means (late or not), then cancel on confirmation."""
    booking = get_object_or_404(
        request.customer.bookings.select_related("session__class_type", "customer_pass"),
        pk=booking_id,
        status=Booking.Status.BOOKED,
    )
    business = Business.current()
    late = bookings.is_late_cancel(booking, business)
    if request.method == "POST":
        attempt(
            request,
            None,
            lambda: bookings.cancel(booking.id, actor=request.user),
            "Booking cancelled.",
            sessions=[booking.session],
        )
        return redirect("portal:bookings")
    keeps_credit = not late or business.late_cancel_policy == CreditPolicy.RELEASE
    return render(
        request,
        "portal/cancel.html",
        {
            "booking": booking,
            "late": late,
            "keeps_credit": keeps_credit,
            "hours": business.late_cancel_hours,
        },
    )


@customer_only
def my_bookings(request: CustomerRequest) -> HttpResponse:
    mine = request.customer.bookings.select_related("session__class_type", "customer_pass")
    now = clock.now()
    return render(
        request,
        "portal/bookings.html",
        {
            "upcoming": mine.filter(session__starts_at__gte=now).order_by("session__starts_at"),
            "past": mine.filter(session__starts_at__lt=now).order_by("-session__starts_at")[:50],
            "waitlist": waitlists.on_lists(request.customer.id),
        },
    )


def _bookable_sessions(product: PassProduct):
    ids = {c.id for c in product.categories.all()}
    types = {c.id for c in product.class_types.all()}
    qs = Session.objects.select_related("class_type").filter(
        status=Session.Status.SCHEDULED,
        private=False,
        starts_at__gte=clock.now(),
        starts_at__lte=clock.now() + timedelta(days=28),
    )
    if ids or types:
        qs = qs.filter(Q(class_type__category_id__in=ids) | Q(class_type_id__in=types))
    return qs


@customer_only
def buy(request: CustomerRequest, product_id: int | None = None) -> HttpResponse:
    products = PassProduct.objects.filter(online_purchasable=True, archived=False)
    if product_id is None:
        return render(
            request,
            "portal/shop.html",
            {"products": products, "provider": payment_providers.available()[0]},
        )
    product = get_object_or_404(products, pk=product_id)
    balance = credit.balance(request.customer)
    offered = payment_providers.available()
    form = forms.BuyForm(
        request.POST or None,
        initial={"product": product},
        upcoming=_bookable_sessions(product),
        has_credit=balance > 0,
        pay_choice=len(offered) > 1,
    )
    if request.method == "POST":
        sold = []
        chosen = offered[0]
        if form.is_valid() and form.cleaned_data.get("pay_with") == "desk":
            chosen = offered[-1]

        def sell():
            sold.append(
                passes.sell(
                    request.customer.id,
                    product.id,
                    actor=request.user,
                    session_ids=[s.id for s in form.cleaned_data["sessions"]],
                    use_credit=form.cleaned_data["use_credit"],
                    paying_online=isinstance(chosen, payment_providers.StripeProvider),
                )
            )

        picked = list(form.cleaned_data["sessions"]) if form.is_valid() else []
        if attempt(request, form, sell, f"You bought {product.name}.", sessions=picked):
            try:
                checkout = chosen.start(sold[0])
            except DomainError as refusal:  # sold; paying can be tried again from its page
                messages.warning(request, refusal.message)
                return redirect("portal:pay", sold[0].id)
            if checkout.redirect_url:
                return redirect(checkout.redirect_url)
            messages.info(request, checkout.message)
            return redirect("portal:home")
    return render(
        request,
        "portal/buy.html",
        {"product": product, "form": form, "provider": offered[0]},
        status=422 if form.errors else 200,
    )


@customer_only
def pay(request: CustomerRequest, pass_id: int) -> HttpResponse:
    """Pay a pass by card (Stripe.js sends the card to Stripe, never to us), and see how
    the payment stands: paying…, paid or failed (then try again). Only Stripe's webhook
    makes the pass paid; coming back here after paying only shows "paying…"."""
    p = get_object_or_404(Pass, pk=pass_id, customer=request.customer, voided_at__isnull=True)
    start = lambda: online_payments.start_checkout(p.id)  # noqa: E731
    # (re)start the card payment: one PaymentIntent per pass
    if request.method == "POST" and attempt(request, None, start, "Ready to pay by card."):
        return redirect("portal:pay", p.id)
    checkout = OnlineCheckout.objects.filter(customer_pass=p).first()
    owed = p.price - p.amount_paid
    if checkout is not None and checkout.status == OnlineCheckout.Status.PAID or owed <= 0:
        state = "paid"
    elif checkout is None or not checkout.client_secret:
        state = "not started"
    elif checkout.status == OnlineCheckout.Status.FAILED:
        state = "failed"
    else:
        state = "paying" if request.GET.get("submitted") else "unpaid"
    return render(
        request,
        "portal/pay.html",
        {
            "pass_": p,
            "owed": owed,
            "checkout": checkout,
            "state": state,
            **stripe_js.card_field(request, reverse("portal:pay", args=[p.id]) + "?submitted=1"),
        },
    )


@require_POST
@customer_only
def redeem_voucher(request: CustomerRequest) -> HttpResponse:
    """Redeem a gift voucher; wrong codes are throttled per customer."""
    attempt(
        request,
        None,
        lambda: vouchers.redeem(
            request.POST.get("code", "")[:40],
            request.customer.id,
            who=f"user:{request.user.id}",
            actor=request.user,
        ),
        "Voucher redeemed.",
    )
    return redirect("portal:home")


@customer_only
def calendar(request: CustomerRequest) -> HttpResponse:
    """The private feed's URL; POST makes a new one (the old one stops working)."""
    token = request.customer.calendar_token
    if request.method == "POST" or not token:
        token = accounts.new_calendar_token(request.customer.id)
        if request.method == "POST":
            messages.success(request, "New calendar link made; the old one no longer works.")
    url = request.build_absolute_uri(f"/portal/calendar/{token}.ics")
    return render(request, "portal/calendar.html", {"url": url})


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """iCalendar of the customer's booked sessions; the secret URL is the only key."""
    customer = get_object_or_404(Customer, calendar_token=token)
    business = Business.current()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Passbook//bookings//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{business.name} bookings")
    for b in customer.bookings.filter(status__in=Booking.LIVE).select_related(
        "session__class_type", "session__staff", "session__resource"
    ):
        s = b.session
        event = icalendar.Event()
        event.add("uid", f"booking-{b.id}@passbook")
        event.add("summary", f"{s.class_type} ({business.name})")
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("dtstamp", b.created_at)
        where = ", ".join(str(x) for x in (s.resource, s.staff) if x)
        if where:
            event.add("location", where)
        cal.add_component(event)
    return HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
