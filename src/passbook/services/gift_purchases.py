"""Gift vouchers bought in the portal and paid by card, through Stripe.

The same steps as a pass's card checkout (online_payments): the purchase is committed,
then Stripe is asked for a PaymentIntent (idempotency key per purchase), and only the
`payment_intent.succeeded` webhook issues the voucher, once, whatever the order or number
of deliveries. Until then there is no code at all, so nothing unpaid can be redeemed.
A refund (whole, of an unused voucher) cancels the voucher when it is asked for.
"""

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from passbook import clock
from passbook.models import Business, GiftVoucher, Notification, Payment, User
from passbook.models.online import GiftPurchase, OnlineCheckout, OnlineRefund
from passbook.rules.calendar import local_date
from passbook.services import errors, locks, notifications, online_payments, vouchers
from passbook.services.payments import PaymentInput, add_voucher_payment

log = logging.getLogger(__name__)

# What a customer may give: enough to be worth a code, not so much that a stolen card
# buys the studio's whole term.
SMALLEST, LARGEST = Decimal("10.00"), Decimal("500.00")
VALID_FOR = timedelta(days=365)
Status = OnlineCheckout.Status  # a gift purchase goes through a checkout's states


def _checked(amount: Decimal, recipient_name: str, recipient_email: str) -> tuple[str, str]:
    if not SMALLEST <= amount <= LARGEST:
        raise errors.InvalidInput(f"Choose an amount from {SMALLEST} to {LARGEST}.", field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise errors.InvalidInput("Use at most two decimals.", field="amount")
    name, email = recipient_name.strip(), recipient_email.strip()
    if not name or len(name) > 100:
        raise errors.InvalidInput("Give the recipient's name.", field="recipient_name")
    try:
        validate_email(email)
    except ValidationError:
        raise errors.InvalidInput(
            "Give the recipient's email address.", field="recipient_email"
        ) from None
    return name, email


@transaction.atomic
def _prepare(
    buyer_id: int, amount: Decimal, recipient_name: str, recipient_email: str
) -> GiftPurchase:
    name, email = _checked(amount, recipient_name, recipient_email)
    buyer = locks.customer(buyer_id)
    now = clock.now()
    return GiftPurchase.objects.create(
        buyer=buyer,
        recipient_name=name,
        recipient_email=email,
        amount=amount,
        currency=Business.current().currency.upper(),
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def _attach(purchase_id: int, intent_id: str, client_secret: str) -> GiftPurchase:
    purchase = GiftPurchase.objects.get(pk=purchase_id)
    locks.customer(purchase.buyer_id)
    online_payments.attach_intent(purchase, intent_id, client_secret)
    return purchase


def buy(
    buyer_id: int, amount: Decimal, *, recipient_name: str, recipient_email: str
) -> GiftPurchase:
    """A gift voucher to pay by card: the purchase, and its PaymentIntent. Called outside
    any transaction; nothing talks to Stripe while rows are locked."""
    api = online_payments.client()
    purchase = _prepare(buyer_id, amount, recipient_name, recipient_email)
    try:
        intent = api.PaymentIntent.create(
            amount=online_payments.to_minor(purchase.amount, purchase.currency),
            currency=purchase.currency.lower(),
            payment_method_types=["card"],
            metadata={"gift_purchase_id": str(purchase.id)},
            idempotency_key=f"passbook-gift-{purchase.id}",
        )
    except stripe.StripeError as exc:
        log.warning("Stripe refused a PaymentIntent for gift %s: %s", purchase.id, exc)
        raise errors.PaymentProviderUnavailable() from exc
    log.info("Gift voucher purchase %s started: %s", purchase.id, purchase.amount)
    return _attach(purchase.id, intent.id, intent.client_secret)


# Webhooks (online_payments routes a gift's intents here by their metadata).


def is_gift_intent(intent: dict[str, Any]) -> bool:
    return "gift_purchase_id" in (intent.get("metadata") or {}) or (
        GiftPurchase.objects.filter(intent_id=intent.get("id") or "-").exists()
    )


def purchase_for(intent_id: str, metadata: dict[str, Any]) -> GiftPurchase | None:
    """The purchase an intent pays, its voucher (once issued) and buyer locked; None if we
    never made it. Found by the metadata even before the intent's id is written back."""
    wanted = str((metadata or {}).get("gift_purchase_id", ""))
    by_id = Q(pk=int(wanted), intent_id__in=["", intent_id]) if wanted.isdigit() else Q(pk__in=[])
    found = GiftPurchase.objects.filter(Q(intent_id=intent_id or "-") | by_id).first()
    if found is None:
        return None
    if found.voucher is not None:  # in the lock order: the voucher, then its buyer
        locks.voucher(found.voucher.code)
    locks.customer(found.buyer_id)
    found.refresh_from_db()
    return found if found.intent_id in ("", intent_id) else None


def _issue(purchase: GiftPurchase, intent: dict[str, Any]) -> GiftVoucher:
    """The voucher, its payment, and the code by email to the recipient and the buyer."""
    today = local_date(clock.now(), Business.current().tz)
    voucher = vouchers.create(
        value=purchase.amount,
        expires_on=today + VALID_FOR,
        note=f"Bought online as a gift for {purchase.recipient_name}",
        sold_to=purchase.buyer,
        price=purchase.amount,
    )
    received = intent.get("amount_received") or intent["amount"]
    money = PaymentInput(
        online_payments.from_minor(received, intent["currency"]),
        Payment.Method.ONLINE,
        reference=intent["id"],
        note="Gift voucher, card through Stripe",
    )
    add_voucher_payment(voucher, money, None)
    _send_code(purchase, voucher)
    log.info("Gift voucher %s issued for purchase %s", voucher.id, purchase.id)
    return voucher


def _send_code(purchase: GiftPurchase, voucher: GiftVoucher) -> None:
    studio = Business.current()
    body = (
        f"{purchase.buyer.first_name} gave you a gift voucher for {studio.name}, worth "
        f"{purchase.amount} {purchase.currency}.\n\nYour code: {voucher.code}\n\n"
        f"Redeem it in the portal (My passes › Gift voucher) or at the desk, "
        f"by {voucher.expires_on:%d %B %Y}."
    )
    subject = f"A gift voucher for {studio.name}"
    to_recipient = notifications.unaddressed(Notification.Kind.GIFT_VOUCHER, subject, body)
    to_recipient.key = f"gift-voucher:{purchase.id}:recipient"
    to_recipient.customer, to_recipient.to = purchase.buyer, purchase.recipient_email
    receipt = notifications.message(
        Notification.Kind.GIFT_VOUCHER,
        f"gift-voucher:{purchase.id}:buyer",
        purchase.buyer,
        f"Your gift voucher for {purchase.recipient_name}",
        f"Thank you! We sent this to {purchase.recipient_email}:\n\n{body}",
    )
    notifications.enqueue_all([to_recipient, receipt])


@transaction.atomic
def succeeded(event: dict[str, Any], intent: dict[str, Any]) -> str:
    """Webhook `payment_intent.succeeded` for a gift: the voucher is issued, once."""

    def paid(purchase: GiftPurchase) -> str:
        outcome = "already paid"
        if purchase.voucher_id is None:
            purchase.voucher = _issue(purchase, intent)
            outcome = "voucher issued"
        online_payments.settle(purchase, intent, Status.PAID, "", "voucher")
        return outcome

    found = purchase_for(intent["id"], intent.get("metadata", {}))
    return online_payments.once(event, found, online_payments.INTENT, paid)


@transaction.atomic
def failed(event: dict[str, Any], intent: dict[str, Any]) -> str:
    """Webhook `payment_intent.payment_failed` for a gift: say why; no voucher."""

    def failed(purchase: GiftPurchase) -> str:
        if purchase.status == Status.PAID:  # arrived after the success
            return "ignored: already paid"
        online_payments.settle(purchase, intent, Status.FAILED, online_payments.decline(intent))
        return "failed"

    found = purchase_for(intent["id"], intent.get("metadata", {}))
    return online_payments.once(event, found, online_payments.INTENT, failed)


# Refunds.


@transaction.atomic
def _request_refund(purchase_id: int, actor: User | None) -> OnlineRefund:
    purchase = GiftPurchase.objects.filter(pk=purchase_id).first()
    if purchase is None or purchase.voucher is None:
        raise errors.NotPaidOnline("This gift voucher was not paid online.")
    voucher = locks.voucher(purchase.voucher.code)
    locks.customer(purchase.buyer_id)
    assert voucher is not None, "a voucher is never deleted (PROTECT)"
    if voucher.redeemed_at is not None:
        raise errors.InvalidVoucher("This voucher has been used; it cannot be refunded.")
    if voucher.voided_at is not None:
        raise errors.InvalidVoucher("This voucher is already cancelled.")
    whole = online_payments.online_paid(purchase.intent_id)
    requested = online_payments.new_refund(purchase, whole, actor)
    voucher.voided_at = clock.now()
    voucher.save(update_fields=["voided_at"])
    return requested


def refund(purchase_id: int, *, actor: User | None = None) -> OnlineRefund:
    """Give a gift voucher's money back to the card, in full, and cancel the voucher at
    once (it must be unused). Recorded when Stripe's webhook confirms it; if Stripe
    refuses, the voucher works again."""
    online_payments.client()  # refused before anything is written when payments are off
    return online_payments.ask_refund(_request_refund(purchase_id, actor))
