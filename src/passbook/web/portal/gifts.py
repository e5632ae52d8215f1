"""Gift vouchers bought in the portal, paid by card with Stripe.js (the card goes to
Stripe, never to us). The code exists, and is shown and emailed, only once Stripe's
webhook has confirmed the payment; coming back from Stripe only shows "paying…"."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from passbook import payment_providers
from passbook.models.online import GiftPurchase
from passbook.services import gift_purchases
from passbook.web.office.forms import Form
from passbook.web.portal.stripe_js import card_field
from passbook.web.portal.views import CustomerRequest, customer_only
from passbook.web.portal.wording import attempt

Status = gift_purchases.Status


class GiftForm(Form):
    amount = forms.DecimalField(
        min_value=gift_purchases.SMALLEST,
        max_value=gift_purchases.LARGEST,
        decimal_places=2,
        max_digits=8,
    )
    recipient_name = forms.CharField(label="For (name)", max_length=100)
    recipient_email = forms.EmailField(label="Their email address", max_length=254)


@customer_only
def gift(request: CustomerRequest) -> HttpResponse:
    """Choose an amount and a recipient; then pay by card on the purchase's page."""
    form = GiftForm(request.POST or None)
    bought: list[GiftPurchase] = []

    def buy() -> GiftPurchase:
        data = form.cleaned_data
        purchase = gift_purchases.buy(
            request.customer.id,
            data["amount"],
            recipient_name=data["recipient_name"],
            recipient_email=data["recipient_email"],
        )
        bought.append(purchase)
        return purchase

    if request.method == "POST" and attempt(request, form, buy, "Ready to pay by card."):
        return redirect("portal:gift_pay", bought[0].id)
    return render(
        request,
        "portal/gift.html",
        {
            "form": form,
            "online": payment_providers.stripe_configured(),
            "purchases": request.customer.gift_purchases.select_related("voucher").order_by(
                "-created_at"
            )[:10],
        },
        status=422 if form.errors else 200,
    )


@customer_only
def gift_pay(request: CustomerRequest, purchase_id: int) -> HttpResponse:
    """Pay for a gift voucher, and see how it stands: paying…, paid (with the code) or
    failed (then try again, with the same PaymentIntent)."""
    purchase = get_object_or_404(GiftPurchase, pk=purchase_id, buyer=request.customer)
    if purchase.voucher is not None:
        state = "paid"
    elif purchase.status == Status.FAILED:
        state = "failed"
    else:
        state = "paying" if request.GET.get("submitted") else "unpaid"
    here = reverse("portal:gift_pay", args=[purchase.id])
    return render(
        request,
        "portal/gift_pay.html",
        {"purchase": purchase, "state": state, **card_field(request, here + "?submitted=1")},
    )
