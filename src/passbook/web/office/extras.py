"""Back-office actions for account credit, vouchers, subscriptions and freezes."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passbook.models import Customer, GiftVoucher, Subscription, User
from passbook.rules.wording import counted
from passbook.services import credit, freezes, gift_purchases, payments, subscriptions, vouchers
from passbook.services.payments import PaymentInput
from passbook.web.office import forms
from passbook.web.office.common import StaffRequest, staff
from passbook.web.office.passes import _edit
from passbook.web.refusals import attempt

MANAGER, FRONTDESK = User.Role.MANAGER, User.Role.FRONTDESK


def _customer_action(form_class, role, run, success):
    """A customer-page action; errors come back as a message on the customer page."""

    @require_POST
    @staff(role)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_object_or_404(Customer, pk=pk)
        form = form_class(request.POST)
        if not attempt(request, form, lambda: run(customer, form.cleaned_data, request), success):
            errors = "; ".join(e for errs in form.errors.values() for e in errs)
            messages.error(request, errors or "That did not work.")
        return redirect("office:customer", pk=pk)

    return view


issue_credit = _customer_action(
    forms.CreditForm,
    MANAGER,
    lambda c, d, r: credit.issue(c.id, d["amount"], reason=d["reason"], actor=r.user),
    "Account credit issued.",
)
redeem_voucher = _customer_action(
    forms.VoucherCodeForm,
    FRONTDESK,
    lambda c, d, r: vouchers.redeem(d["code"], c.id, who=f"user:{r.user.id}", actor=r.user),
    "Voucher redeemed.",
)
sell_voucher = _customer_action(
    forms.VoucherSaleForm,
    FRONTDESK,
    lambda c, d, r: vouchers.sell(
        c.id,
        payment=PaymentInput(d["price"], d["method"]),
        value=d["value"],
        product_id=d["product"].id if d["product"] else None,
        expires_on=d["expires_on"],
        note=d["note"],
        actor=r.user,
    ),
    lambda v: f"Voucher sold: {v.code}. Give this code to the buyer.",
)
subscribe = _customer_action(
    forms.SubscribeForm,
    FRONTDESK,
    lambda c, d, r: subscriptions.start(c.id, d["plan"].id, actor=r.user),
    "Subscription started; the first period's pass is issued.",
)

SUBSCRIPTION_ACTIONS = {
    "cancel": subscriptions.cancel_at_period_end,
    "pause": subscriptions.pause,
    "resume": subscriptions.resume,
}


@require_POST
@staff(FRONTDESK)
def subscription_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    sub = get_object_or_404(Subscription, pk=pk)
    if action not in SUBSCRIPTION_ACTIONS:
        return HttpResponse(status=404)
    attempt(request, None, lambda: SUBSCRIPTION_ACTIONS[action](sub.id), "Subscription updated.")
    return redirect("office:customer", pk=sub.customer_id)


freeze = _edit(
    forms.FreezeForm,
    "freeze_form",
    MANAGER,
    lambda pk, d, u: freezes.freeze(
        pk, starts_on=d["starts_on"], ends_on=d["ends_on"], reason=d["reason"], actor=u
    ),
    "Pass frozen; its expiry moved.",
)
pay_with_credit = _edit(
    forms.PayWithCreditForm,
    "credit_form",
    FRONTDESK,
    lambda pk, d, u: payments.pay_with_credit(pk, d["amount"], actor=u),
    "Paid from account credit.",
    tab="payments",
)


@staff(MANAGER)
def extend_all(request: StaffRequest) -> HttpResponse:
    """Studio closure: every live pass with an expiry gets the same extra days."""
    form = forms.ExtendAllForm(request.POST or None)
    if request.method == "POST" and attempt(
        request,
        form,
        lambda: freezes.extend_all_active(
            form.cleaned_data["days"], reason=form.cleaned_data["reason"], actor=request.user
        ),
        lambda n: (
            f"{counted(n, 'live pass', 'live passes')} extended by "
            f"{counted(form.cleaned_data['days'], 'day')}."
        ),
    ):
        return redirect("office:passes")
    return render(
        request,
        "office/extend_all.html",
        {"form": form, "live": freezes.live_passes().count()},
        status=422 if form.errors else 200,
    )


@staff(MANAGER)
def voucher_list(request: HttpRequest) -> HttpResponse:
    form = forms.VoucherForm(request.POST or None)
    if request.method == "POST":

        def create():
            d = form.cleaned_data
            vouchers.create(
                value=d["value"],
                product_id=d["product"].id if d["product"] else None,
                expires_on=d["expires_on"],
                note=d["note"],
                actor=request.user,
            )

        if attempt(request, form, create, "Voucher created."):
            return redirect("office:vouchers")
    return render(
        request,
        "office/vouchers.html",
        {
            "form": form,
            "vouchers": GiftVoucher.objects.select_related(
                "product", "redeemed_by", "sold_to", "purchase__buyer"
            ).order_by("-created_at")[:200],
        },
        status=422 if form.errors else 200,
    )


@require_POST
@staff(MANAGER)
def refund_gift(request: StaffRequest, pk: int) -> HttpResponse:
    """Give an unused gift voucher bought online back to its buyer's card (it is cancelled
    at once; the refund is recorded when Stripe confirms it)."""
    voucher = get_object_or_404(GiftVoucher.objects.select_related("purchase"), pk=pk)
    purchase = getattr(voucher, "purchase", None)
    if purchase is None:
        messages.error(request, "This voucher was not bought online: there is no card to refund.")
        return redirect("office:vouchers")
    refund = lambda: gift_purchases.refund(purchase.id, actor=request.user)  # noqa: E731
    attempt(request, None, refund, f"Voucher {voucher.code} cancelled; refund asked of Stripe.")
    return redirect("office:vouchers")
