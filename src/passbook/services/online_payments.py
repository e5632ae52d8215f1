"""Card payments through Stripe: checkout for a pass, webhooks, refunds.

Never talk to Stripe while holding locks: each use case writes what it is about to ask in
one short transaction, commits, asks Stripe (with an idempotency key, so asking again never
charges or refunds twice), and writes the answer in another short transaction.

The webhook is the only thing that makes a pass paid. Each event is stored (its id is
unique) in the same transaction as its effect, after the customer is locked, so an event
delivered again, or ten times at once, has its effect once. A PaymentIntent is only made
after its pass and checkout row have committed, so a webhook always finds them; the
checkout is found by the intent's metadata (`pass_id`) even before the intent's id is
written back. An event for an object we do not know is answered 200, stored and logged.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from passbook import clock
from passbook.models import (
    Business,
    GiftVoucher,
    OnlineCheckout,
    OnlineRefund,
    Pass,
    Payment,
    StripeEvent,
    User,
)
from passbook.models.online import CardPayment, GiftPurchase, RenewalCharge
from passbook.payment_providers import stripe_configured
from passbook.services import errors, locks
from passbook.services.payments import PaymentInput, add_payment

log = logging.getLogger(__name__)

# ISO 4217 currencies without minor units, as Stripe lists them.
ZERO_DECIMAL = {
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
    "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
}  # fmt: skip


def to_minor(amount: Decimal, currency: str) -> int:
    return int(amount if currency.upper() in ZERO_DECIMAL else (amount * 100).to_integral_value())


def from_minor(amount: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL:
        return Decimal(amount).quantize(Decimal("0.01"))
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


def client() -> Any:
    """The stripe module, pointed at the configured server with the configured key."""
    if not stripe_configured():
        raise errors.OnlinePaymentsOff()
    stripe.api_key = settings.PASSBOOK_STRIPE_SECRET_KEY
    stripe.api_base = settings.PASSBOOK_STRIPE_API_BASE
    return stripe


# Checkout.


@transaction.atomic
def _prepare(pass_id: int) -> OnlineCheckout:
    p = locks.pass_for_update(pass_id)
    owed = p.price - p.amount_paid
    found = OnlineCheckout.objects.filter(customer_pass=p).first()
    if owed <= 0 or (found is not None and found.status == OnlineCheckout.Status.PAID):
        raise errors.AlreadyPaid()
    if found is not None:
        return found
    now = clock.now()
    return OnlineCheckout.objects.create(
        customer_pass=p,
        amount=owed,
        currency=Business.current().currency.upper(),
        created_at=now,
        updated_at=now,
    )


def attach_intent(payment: CardPayment, intent_id: str, client_secret: str) -> None:
    """With its customer locked: record the PaymentIntent made for a card payment."""
    payment.refresh_from_db()
    if not payment.intent_id:  # a webhook may have written it already
        payment.intent_id = intent_id
    payment.client_secret = client_secret
    payment.updated_at = clock.now()
    payment.save(update_fields=["intent_id", "client_secret", "updated_at"])


@transaction.atomic
def _attach(checkout_id: int, intent_id: str, client_secret: str) -> OnlineCheckout:
    checkout = OnlineCheckout.objects.get(pk=checkout_id)
    locks.customer(checkout.customer_pass.customer_id)
    attach_intent(checkout, intent_id, client_secret)
    return checkout


def start_checkout(pass_id: int) -> OnlineCheckout:
    """The PaymentIntent that pays what is owed on a pass (made once per pass; asking
    again returns the same one). Called outside any transaction."""
    api = client()
    checkout = _prepare(pass_id)
    if checkout.intent_id and checkout.client_secret:
        return checkout
    try:
        intent = api.PaymentIntent.create(
            amount=to_minor(checkout.amount, checkout.currency),
            currency=checkout.currency.lower(),
            payment_method_types=["card"],
            metadata={"pass_id": str(pass_id), "checkout_id": str(checkout.id)},
            idempotency_key=f"passbook-pass-{pass_id}",
        )
    except stripe.StripeError as exc:
        log.warning("Stripe refused a PaymentIntent for pass %s: %s", pass_id, exc)
        raise errors.PaymentProviderUnavailable() from exc
    return _attach(checkout.id, intent.id, intent.client_secret)


# Unpaid checkouts: the pass, and any places it booked, are held for a while only.


class _PaidMeanwhile(Exception):
    pass


def unpaid_checkout_ids() -> list[int]:
    """Card checkouts not paid within PASSBOOK_CHECKOUT_HOLD_MINUTES of the purchase."""
    held = timedelta(minutes=settings.PASSBOOK_CHECKOUT_HOLD_MINUTES)
    return list(
        OnlineCheckout.objects.filter(
            status__in=[OnlineCheckout.Status.PENDING, OnlineCheckout.Status.FAILED],
            created_at__lt=clock.now() - held,
            customer_pass__voided_at__isnull=True,
            customer_pass__amount_paid=0,
        ).values_list("id", flat=True)
    )


def release(checkout_id: int) -> bool:
    """Give back an unpaid card purchase: cancel its PaymentIntent at Stripe first (once
    canceled it can never succeed, so no money is on its way), then void the pass, which
    releases its booked places with ledger entries. False if it was paid meanwhile, or
    Stripe could not be asked (the next run tries again)."""
    checkout = OnlineCheckout.objects.get(pk=checkout_id)
    if checkout.intent_id:
        api = client()
        try:
            api.PaymentIntent.cancel(checkout.intent_id)
        except stripe.StripeError as exc:
            try:  # already canceled is fine; succeeded or processing is not
                if api.PaymentIntent.retrieve(checkout.intent_id).status != "canceled":
                    return False
            except stripe.StripeError:
                log.warning("Could not cancel %s: %s", checkout.intent_id, exc)
                return False
    try:
        _void_unpaid(checkout_id)
    except (_PaidMeanwhile, errors.PassVoided):
        return False
    return True


@transaction.atomic
def _void_unpaid(checkout_id: int) -> None:
    from passbook.services import passes  # passes → payments; imported here, not on load

    checkout = OnlineCheckout.objects.get(pk=checkout_id)
    minutes = settings.PASSBOOK_CHECKOUT_HOLD_MINUTES
    p = passes.void(checkout.customer_pass_id, reason=f"not paid by card within {minutes} minutes")
    checkout.refresh_from_db()  # under the customer lock void() took
    if checkout.status == OnlineCheckout.Status.PAID or p.amount_paid:
        raise _PaidMeanwhile()  # rolls the void back
    checkout.status = OnlineCheckout.Status.FAILED
    checkout.failure = f"Not paid within {minutes} minutes; the pass was released."
    checkout.updated_at = clock.now()
    checkout.save(update_fields=["status", "failure", "updated_at"])


# Refunds.


Paid = OnlineCheckout | RenewalCharge | GiftPurchase  # what a PaymentIntent paid for


def online_paid(intent_id: str) -> Decimal:
    """What was paid through a PaymentIntent, net of the refunds recorded (all are Payment
    rows, method online, with the intent's id as reference)."""
    paid = Payment.objects.filter(method=Payment.Method.ONLINE, reference=intent_id).aggregate(
        total=Sum("amount")
    )["total"]
    return (paid or Decimal(0)).quantize(Decimal("0.01"))


def paid_by_card(p: Pass) -> Paid | None:
    """The card payment a pass can be refunded through: its checkout, or its renewal's
    charge to the card on file; None if it was not paid by card."""
    checkout = OnlineCheckout.objects.filter(customer_pass=p, intent_id__gt="").first()
    if checkout is not None and checkout.status == OnlineCheckout.Status.PAID:
        return checkout
    return RenewalCharge.objects.filter(
        renewal__issued_pass=p, status=RenewalCharge.Status.SUCCEEDED, intent_id__gt=""
    ).first()


def refunds_of(p: Pass) -> list[OnlineRefund]:
    """The refunds to the card asked for a pass (for its ticket), newest last."""
    return list(
        OnlineRefund.objects.filter(
            Q(checkout__customer_pass=p) | Q(renewal_charge__renewal__issued_pass=p)
        ).order_by("requested_at", "id")
    )


def new_refund(paid: Paid, amount: Decimal, actor: User | None) -> OnlineRefund:
    """A refund request for (part of) what was paid, checked against what is left; the
    owner's locks are held by the caller."""
    if amount <= 0:
        raise errors.InvalidInput("The amount must be more than zero.", field="amount")
    pending = paid.refunds.filter(status=OnlineRefund.Status.REQUESTED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    refundable = online_paid(paid.intent_id) - pending
    if refundable <= 0:
        raise errors.NotPaidOnline()
    if amount > refundable:
        raise errors.RefundExceedsPaid(
            f"At most {refundable} can be refunded online.", maximum=str(refundable)
        )
    return OnlineRefund.objects.create(
        amount=amount, requested_by=actor, requested_at=clock.now(), **_link(paid)
    )


def _link(paid: Paid) -> dict[str, Paid]:
    if isinstance(paid, GiftPurchase):
        return {"gift": paid}
    if isinstance(paid, RenewalCharge):
        return {"renewal_charge": paid}
    return {"checkout": paid}


@transaction.atomic
def _request_refund(pass_id: int, amount: Decimal, actor: User | None) -> OnlineRefund:
    p = locks.pass_for_update(pass_id)
    paid = paid_by_card(p)
    if paid is None:
        raise errors.NotPaidOnline()
    return new_refund(paid, amount, actor)


def _lock_owner(refund: OnlineRefund) -> None:
    """Lock what a refund belongs to, in the lock order: a gift's voucher, then the
    customer (the pass's, or the gift's buyer)."""
    paid = refund.paid
    if isinstance(paid, GiftPurchase):
        assert paid.voucher is not None, "a refund is only asked for a paid gift"
        locks.voucher(paid.voucher.code)
        locks.customer(paid.buyer_id)
    elif isinstance(paid, RenewalCharge):
        locks.customer(paid.renewal.issued_pass.customer_id)
    else:
        locks.customer(paid.customer_pass.customer_id)


def _mark_failed(refund: OnlineRefund) -> None:
    """The refund did not happen: a gift's voucher, cancelled when the refund was asked
    for (so that it could not be spent meanwhile), works again."""
    refund.status = OnlineRefund.Status.FAILED
    refund.save(update_fields=["status"])
    if refund.gift_id is not None:
        GiftVoucher.objects.filter(purchase__refunds=refund).update(voided_at=None)


@transaction.atomic
def _refund_answer(refund_id: int, stripe_id: str, failed: bool) -> OnlineRefund:
    refund = OnlineRefund.objects.get(pk=refund_id)
    _lock_owner(refund)
    refund.refresh_from_db()
    refund.refund_id = stripe_id
    refund.save(update_fields=["refund_id"])
    if failed and refund.status == OnlineRefund.Status.REQUESTED:
        _mark_failed(refund)
    return refund


def ask_refund(requested: OnlineRefund) -> OnlineRefund:
    """Ask Stripe for a committed refund request (one idempotency key per request)."""
    api = client()
    paid = requested.paid
    try:
        answer = api.Refund.create(
            payment_intent=paid.intent_id,
            amount=to_minor(requested.amount, paid.currency),
            metadata={"refund_request": str(requested.id)},
            idempotency_key=f"passbook-refund-{requested.id}",
        )
    except stripe.StripeError as exc:
        log.warning("Stripe refused refund request %s: %s", requested.id, exc)
        _refund_answer(requested.id, "", failed=True)
        raise errors.PaymentProviderUnavailable(str(exc.user_message or "") or None) from exc
    log.info("Refund %s of %s asked of Stripe for %s", requested.id, requested.amount, paid)
    return _refund_answer(requested.id, answer.id, failed=answer.status == "failed")


def refund(pass_id: int, amount: Decimal, *, actor: User | None = None) -> OnlineRefund:
    """Ask Stripe to give back (part of) what a pass was paid by card: at checkout, or a
    renewal charged to the card on file. The money is recorded when Stripe's
    `charge.refunded` webhook confirms it."""
    client()  # refused before anything is written when online payments are off
    return ask_refund(_request_refund(pass_id, amount, actor))


# Webhooks.


class BadSignature(Exception):
    """The webhook's body was not signed with our secret (or is not JSON)."""


def verify(payload: bytes, signature: str) -> dict[str, Any]:
    """The event, if Stripe signed it with our webhook secret."""
    try:
        event = stripe.Webhook.construct_event(
            payload,
            signature,
            settings.PASSBOOK_STRIPE_WEBHOOK_SECRET,
            tolerance=settings.PASSBOOK_STRIPE_WEBHOOK_TOLERANCE,
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(str(exc)) from exc
    return event.to_dict()


def handle(event: dict[str, Any]) -> str:
    """Process one verified event, once; say what it did (stored with the event)."""
    react = HANDLERS.get(event.get("type", ""), _ignore)
    try:
        return react(event, event["data"]["object"])
    except IntegrityError:
        # The same event, stored at the same moment by another delivery (its unique id):
        # that delivery's transaction had the effect, this one's was rolled back.
        if StripeEvent.objects.filter(event_id=event["id"]).exists():
            return "duplicate"
        raise


def seen(event: dict[str, Any]) -> bool:
    """Whether this event has been processed already (each is processed once)."""
    return StripeEvent.objects.filter(event_id=event["id"]).exists()


def store(event: dict[str, Any], outcome: str) -> str:
    """Record the event as processed, in its effect's transaction (unique by event id)."""
    StripeEvent.objects.create(
        event_id=event["id"],
        type=event.get("type", ""),
        object_id=str(event["data"]["object"].get("id", ""))[:100],
        outcome=outcome[:300],
        received_at=clock.now(),
    )
    return outcome


@transaction.atomic
def _ignore(event: dict[str, Any], obj: dict[str, Any]) -> str:
    if seen(event):
        return "duplicate"
    return store(event, "ignored")


def unknown(event: dict[str, Any], what: str) -> str:
    """An event about something we never made: logged, recorded, answered 200."""
    log.warning("Stripe event %s (%s) names an unknown %s", event["id"], event.get("type"), what)
    if seen(event):
        return "duplicate"
    return store(event, f"unknown {what}")


Found = TypeVar("Found")


def once(
    event: dict[str, Any] | None, found: Found | None, what: str, effect: Callable[[Found], str]
) -> str:
    """Every webhook handler's bookkeeping, inside its transaction, after `found` (what the
    event is about) was looked up and its owner locked: an event about something we never
    made is `unknown`; one processed before is a duplicate. Otherwise the event is stored
    first, so a simultaneous delivery of it waits on its unique id and then fails; the
    effect runs and its outcome is stored with the event. With no event (we asked Stripe
    ourselves) only the effect runs."""
    if found is None:
        return unknown(event, what) if event is not None else f"unknown {what}"
    if event is None:
        return effect(found)
    if seen(event):
        return "duplicate"
    store(event, "")
    outcome = effect(found)
    StripeEvent.objects.filter(event_id=event["id"]).update(outcome=outcome[:300])
    return outcome


def _checkout_for(intent_id: str, metadata: dict[str, Any]) -> OnlineCheckout | None:
    """The checkout an intent pays, its customer locked; None if we never made it."""
    found = OnlineCheckout.objects.filter(intent_id=intent_id).first() if intent_id else None
    if found is None:
        pass_id = str((metadata or {}).get("pass_id", ""))
        if not pass_id.isdigit():
            return None
        found = OnlineCheckout.objects.filter(
            Q(intent_id="") | Q(intent_id=intent_id), customer_pass_id=int(pass_id)
        ).first()
        if found is None:
            return None
    locks.customer(found.customer_pass.customer_id)
    found.refresh_from_db()
    if found.intent_id and found.intent_id != intent_id:
        return None
    return found


def record_intent_payment(p: Pass, intent: dict[str, Any]) -> str:
    """The Payment for a succeeded PaymentIntent (method online, reference the intent),
    once; the pass's customer is locked by the caller."""
    if Payment.objects.filter(
        customer_pass=p, method=Payment.Method.ONLINE, reference=intent["id"], amount__gt=0
    ).exists():
        return "already paid"
    received = intent.get("amount_received") or intent["amount"]
    add_payment(
        p,
        PaymentInput(
            from_minor(received, intent["currency"]),
            Payment.Method.ONLINE,
            reference=intent["id"],
            note="Card, through Stripe",
        ),
        None,
    )
    return "paid"


INTENT = "payment intent"  # what an unknown intent's event is recorded as


@transaction.atomic
def _intent_succeeded(event: dict[str, Any], intent: dict[str, Any]) -> str:
    def paid(checkout: OnlineCheckout) -> str:
        p = locks.pass_for_update(checkout.customer_pass_id)
        outcome = record_intent_payment(p, intent)
        settle(checkout, intent, OnlineCheckout.Status.PAID, "")
        return outcome

    return once(event, _checkout_for(intent["id"], intent.get("metadata", {})), INTENT, paid)


@transaction.atomic
def _intent_failed(event: dict[str, Any], intent: dict[str, Any]) -> str:
    def failed(checkout: OnlineCheckout) -> str:
        if checkout.status == OnlineCheckout.Status.PAID:  # arrived after the success
            return "ignored: already paid"
        settle(checkout, intent, OnlineCheckout.Status.FAILED, decline(intent))
        return "failed"

    return once(event, _checkout_for(intent["id"], intent.get("metadata", {})), INTENT, failed)


def decline(intent: dict[str, Any]) -> str:
    """Why the bank said no, as Stripe words it for the customer."""
    error = intent.get("last_payment_error") or {}
    return str(error.get("message") or "The card was declined.")[:300]


def settle(
    payment: CardPayment, intent: dict[str, Any], status: str, failure: str, *also: str
) -> None:
    """A checkout or gift purchase as its intent's event left it: paid, or failed."""
    payment.intent_id, payment.status, payment.failure = intent["id"], status, failure
    payment.updated_at = clock.now()
    payment.save(update_fields=["intent_id", "status", "failure", "updated_at", *also])


def _paid_through(intent_id: str, metadata: dict[str, Any]) -> Paid | None:
    """What an intent paid for, its owner locked: a checkout, a renewal or a gift."""
    from passbook.services import cards_on_file, gift_purchases  # they build on this module

    return (
        _checkout_for(intent_id, metadata)
        or cards_on_file.charge_for(intent_id, {})
        or gift_purchases.purchase_for(intent_id, {})
    )


def _record_refund(paid: Paid, amount: Decimal) -> Decimal:
    """A negative online Payment for money Stripe gave back; the pass's paid amount
    follows. Never more than what is left of the payment."""
    now = clock.now()
    money = Payment(
        amount=0,
        method=Payment.Method.ONLINE,
        received_at=now,
        reference=paid.intent_id,
        note="Card refund, through Stripe",
        recorded_at=now,
    )
    if isinstance(paid, GiftPurchase):
        amount = min(amount, online_paid(paid.intent_id))
        money.customer_id, money.voucher_id = paid.buyer_id, paid.voucher_id
    else:
        pass_id = (
            paid.renewal.issued_pass_id
            if isinstance(paid, RenewalCharge)
            else paid.customer_pass_id
        )
        p = locks.pass_for_update(pass_id)
        amount = min(amount, p.amount_paid)
        if amount > 0:
            p.amount_paid -= amount
            p.save(update_fields=["amount_paid"])
        money.customer_id, money.customer_pass = p.customer_id, p
    if amount > 0:
        money.amount = -amount
        money.save()
    return amount


@transaction.atomic
def _charge_refunded(event: dict[str, Any], charge: dict[str, Any]) -> str:
    """Stripe's total refunded for the charge is the truth: record the difference from
    what we recorded, so replays, and events out of order, record nothing twice."""
    intent_id = charge.get("payment_intent") or ""
    paid = _paid_through(intent_id, charge.get("metadata", {})) if intent_id else None
    return once(event, paid, "charge", partial(_refunded, charge))


def _refunded(charge: dict[str, Any], paid: Paid) -> str:
    recorded = -(
        Payment.objects.filter(
            method=Payment.Method.ONLINE, reference=paid.intent_id, amount__lt=0
        ).aggregate(total=Sum("amount"))["total"]
        or Decimal(0)
    )
    refunded = from_minor(charge.get("amount_refunded") or 0, charge["currency"])
    outcome = "refund already recorded"
    if refunded > recorded and (amount := _record_refund(paid, refunded - recorded)) > 0:
        outcome = f"refunded {amount}"
    listed = {r.get("id") for r in (charge.get("refunds") or {}).get("data", [])}
    succeeded = paid.refunds.filter(status=OnlineRefund.Status.REQUESTED)
    if listed:
        succeeded = succeeded.filter(refund_id__in=listed)
    elif refunded < recorded + sum(r.amount for r in succeeded):
        succeeded = succeeded.none()  # not all of them yet; a later event says
    succeeded.update(status=OnlineRefund.Status.SUCCEEDED)
    return outcome


def _refund_for(refund: dict[str, Any]) -> OnlineRefund | None:
    """The request a Stripe refund answers, its owner locked; None if we never asked."""
    request_id = str((refund.get("metadata") or {}).get("refund_request", ""))
    found = OnlineRefund.objects.filter(
        Q(refund_id=refund.get("id") or "-") | Q(pk=int(request_id) if request_id.isdigit() else 0)
    ).first()
    if found is None:
        return None
    _lock_owner(found)
    found.refresh_from_db()
    return found


@transaction.atomic
def _refund_updated(event: dict[str, Any], refund: dict[str, Any]) -> str:
    """`refund.failed`, or `charge.refund.updated` saying failed: the request failed and
    nothing was given back, so the payments stay as they are."""
    if refund.get("status") != "failed":
        return _ignore(event, refund)

    def failed(found: OnlineRefund) -> str:
        if found.status == OnlineRefund.Status.FAILED:
            return "refund failure already recorded"
        if found.status == OnlineRefund.Status.SUCCEEDED:
            # Recorded as given back, then failed at the bank: staff must look
            # (reconciliation shows the difference); the books are not rewritten.
            log.warning("Refund %s failed after it was recorded", found.refund_id)
        found.refund_id = found.refund_id or str(refund.get("id", ""))[:100]
        found.save(update_fields=["refund_id"])
        _mark_failed(found)
        return "refund failed"

    return once(event, _refund_for(refund), "refund", failed)


Handler = Callable[[dict[str, Any], dict[str, Any]], str]


def _route(for_checkout: Handler, name: str) -> Handler:
    """Route an intent's event by what it pays for: a renewal charged to a card on file,
    a gift voucher, or a pass's checkout. `name` is the handler's in those modules."""

    def route(event: dict[str, Any], intent: dict[str, Any]) -> str:
        from passbook.services import cards_on_file, gift_purchases  # they build on this

        if cards_on_file.is_renewal_intent(intent):
            return getattr(cards_on_file, f"charge_{name}")(event, intent)
        if gift_purchases.is_gift_intent(intent):
            return getattr(gift_purchases, name)(event, intent)
        return for_checkout(event, intent)

    return route


def _setup_succeeded(event: dict[str, Any], intent: dict[str, Any]) -> str:
    from passbook.services import cards_on_file

    return cards_on_file.setup_succeeded(event, intent)


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _route(_intent_succeeded, "succeeded"),
    "payment_intent.payment_failed": _route(_intent_failed, "failed"),
    "charge.refunded": _charge_refunded,
    "refund.failed": _refund_updated,
    "charge.refund.updated": _refund_updated,
    "setup_intent.succeeded": _setup_succeeded,
}
