"""How customers pay online. The portal talks to a provider through this interface.

Two providers ship. Offline: the pass is issued at once and paid at the desk (its payment
status shows "Unpaid" until staff record the money). Stripe (when its keys are set, see
docs/payments.md): `start` makes a PaymentIntent for the pass and sends the customer to the
portal's payment page; the pass turns paid when Stripe's webhook says so
(services/online_payments.py), never on the customer's return.
"""

from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from django.conf import settings

from passbook.models import Pass


@dataclass(frozen=True)
class Checkout:
    """What the portal does next: show a message, or send the customer to `redirect_url`."""

    message: str
    redirect_url: str | None = None


class PaymentProvider(Protocol):
    name: str

    def start(self, issued: Pass) -> Checkout: ...


class OfflineProvider:
    """Pay at the desk: nothing to charge now."""

    name = "Pay at the desk"

    def start(self, issued: Pass) -> Checkout:
        return Checkout(f"Your {issued.name} is ready. Please pay {issued.price} at the desk.")


class StripeProvider:
    """Pay by card online, through Stripe's PaymentIntents and Stripe.js."""

    name = "Card, online"

    def start(self, issued: Pass) -> Checkout:
        from django.urls import reverse

        from passbook.services.online_payments import start_checkout

        if issued.amount_paid >= issued.price:  # account credit covered it all
            return OfflineProvider().start(issued)
        start_checkout(issued.id)
        return Checkout(
            f"Your {issued.name} is reserved: pay {issued.price - issued.amount_paid} by card"
            " to make it paid.",
            reverse("portal:pay", args=[issued.id]),
        )


def stripe_configured() -> bool:
    return bool(settings.PASSBOOK_STRIPE_SECRET_KEY and settings.PASSBOOK_STRIPE_PUBLISHABLE_KEY)


def available() -> list[PaymentProvider]:
    """What the portal offers, first the default: card when Stripe is set up, and the desk
    unless the studio turned it off (it cannot be turned off without Stripe)."""
    from passbook.models import Business

    if not stripe_configured():
        return [provider()]
    choices: list[PaymentProvider] = [StripeProvider()]
    if Business.current().pay_at_desk:
        choices.append(OfflineProvider())
    return choices


def provider() -> PaymentProvider:
    module, _, name = settings.PASSBOOK_PAYMENT_PROVIDER.rpartition(".")
    return getattr(import_module(module), name)()
