"""Customers: list and search, and the customer page with pass cards and a sell form."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passbook import clock
from passbook.models import Customer, Session
from passbook.queries import customers_matching
from passbook.services import credit, customers, passes
from passbook.services.payments import PaymentInput
from passbook.web.cards import card
from passbook.web.office import forms
from passbook.web.office.common import staff
from passbook.web.refusals import attempt


@staff()
def customer_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    page = Paginator(customers_matching(q), 25).get_page(request.GET.get("page"))
    return render(request, "office/customer_list.html", {"page": page, "q": q})


@staff()
def new_customer(request: HttpRequest) -> HttpResponse:
    """A walk-in gets a record at the desk; the same email or phone on file asks first."""
    form = forms.NewCustomerForm(request.POST or None)
    added: list[Customer] = []

    def add() -> Customer:
        fields = {k: v for k, v in form.cleaned_data.items() if k != "even_if_on_file"}
        added.append(customers.add(fields, even_if_on_file=form.cleaned_data["even_if_on_file"]))
        return added[0]

    if request.method == "POST" and attempt(
        request, form, add, lambda c: f"{c.name} added: sell a pass or book a class."
    ):
        return redirect("office:customer", pk=added[0].pk)
    # A refused form keeps its cleaned values: list whoever it matched, with links.
    sent = getattr(form, "cleaned_data", None)
    on_file = (
        customers.already_on_file(sent.get("email", ""), sent.get("phone", "")) if sent else []
    )
    return render(
        request,
        "office/customer_new.html",
        {"form": form, "on_file": on_file},
        status=422 if form.is_bound else 200,
    )


def _upcoming():
    now = clock.now()
    return Session.objects.select_related("class_type").filter(
        status=Session.Status.SCHEDULED, starts_at__gte=now, starts_at__lte=now + timedelta(days=28)
    )


def _page(request, customer: Customer, sell_form=None, **extra) -> HttpResponse:
    now = clock.now()
    return render(
        request,
        "office/customer.html",
        {
            "customer": customer,
            "cards": [card(p, now) for p in customer.passes.order_by("-purchased_at")],
            "bookings": customer.bookings.select_related(
                "session__class_type", "customer_pass"
            ).order_by("-session__starts_at")[:50],
            "payments": customer.payments.select_related(
                "customer_pass", "booking__session__class_type"
            ).order_by("-received_at")[:50],
            "sell_form": sell_form or forms.SellForm(upcoming=_upcoming()),
            "credit_balance": credit.balance(customer),
            "subscriptions": customer.subscriptions.select_related("plan").order_by("-id"),
            "credit_form": forms.CreditForm(),
            "voucher_form": forms.VoucherCodeForm(),
            "voucher_sale_form": forms.VoucherSaleForm(auto_id="sale_%s"),
            "subscribe_form": forms.SubscribeForm(),
            **extra,
        },
        status=422 if sell_form is not None else 200,
    )


@staff()
def customer_page(request: HttpRequest, pk: int) -> HttpResponse:
    # ?sessions=all: the sell form's session list in the page, for browsers without JavaScript
    show_sessions = request.GET.get("sessions") == "all"
    return _page(request, get_object_or_404(Customer, pk=pk), show_sessions=show_sessions)


@staff()
def sell_sessions(request: HttpRequest) -> HttpResponse:
    """The sell form's session checkboxes, fetched when staff open "Book sessions now":
    a busy studio has hundreds of sessions in four weeks, and most sales book none."""
    field = forms.SellForm(upcoming=_upcoming())["sessions"]
    return render(request, "office/_sell_sessions.html", {"field": field})


@require_POST
@staff()
def sell(request: HttpRequest, pk: int) -> HttpResponse:
    """Sell a pass, taking a payment and booking sessions at once (all or nothing)."""
    customer = get_object_or_404(Customer, pk=pk)
    form = forms.SellForm(request.POST, upcoming=_upcoming())

    def sell_it():
        d = form.cleaned_data
        paid = d.get("paid")
        passes.sell(
            customer.id,
            d["product"].id,
            payment=PaymentInput(paid, d["method"]) if paid else None,
            session_ids=[s.id for s in d["sessions"]],
            actor=request.user,
        )

    if attempt(request, form, sell_it, "Pass sold."):
        return redirect("office:customer", pk=pk)
    return _page(request, customer, sell_form=form)
