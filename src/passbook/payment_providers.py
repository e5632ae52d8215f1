"""How customers pay online. The portal talks to a provider through this interface.

Only the offline provider ships: the pass is issued at once and paid at the desk (its
payment status shows "Unpaid" until staff record the money). A card provider implements
`start` to send the customer to its checkout and reports back by recording a payment.
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


def provider() -> PaymentProvider:
    module, _, name = settings.PASSBOOK_PAYMENT_PROVIDER.rpartition(".")
    return getattr(import_module(module), name)()
