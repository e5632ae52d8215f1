"""The customer's payment card: save or replace the card renewals are charged to (Stripe.js
confirms a SetupIntent; the card goes to Stripe, never to us), and see renewals whose
payment failed."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from passbook.models.online import CardOnFile
from passbook.services import cards_on_file
from passbook.web.portal.stripe_js import card_field
from passbook.web.portal.views import CustomerRequest, customer_only
from passbook.web.portal.wording import attempt


@customer_only
def card_page(request: CustomerRequest) -> HttpResponse:
    """GET: the card on file, and renewals not paid. POST: start saving a (new) card.
    Back from Stripe.js with `setup_intent`: Stripe is asked whether it succeeded (the
    webhook would say so too); the browser's word is never taken for it."""
    customer = request.customer
    if request.method == "POST":
        start = lambda: cards_on_file.start_setup(customer.id)  # noqa: E731
        if attempt(request, None, start, "Enter your card below."):
            return redirect(reverse("portal:card") + "?enter=1")
        return redirect("portal:card")
    if "setup_intent" in request.GET:
        if cards_on_file.confirm_setup(customer.id, request.GET["setup_intent"][:100]):
            messages.success(request, "Your card is saved. Renewals will be charged to it.")
        else:
            messages.info(request, "Your card is being confirmed; refresh in a moment.")
        return redirect("portal:card")
    card = CardOnFile.objects.filter(customer=customer).first()
    entering = request.GET.get("enter") and card is not None and card.setup_secret
    return render(
        request,
        "portal/card.html",
        {
            "card": card if card is not None and card.saved else None,
            "setup_secret": card.setup_secret if entering and card else "",
            "unpaid": cards_on_file.past_due(customer.id),
            **card_field(request, reverse("portal:card")),
        },
    )
