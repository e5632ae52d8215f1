"""Cards on file: a customer saves a card (a Stripe SetupIntent), and each subscription
renewal's pass is charged to it off-session; a declined charge is tried again on the
studio's schedule (`Business.payment_retry_days`), then the renewal is past due.

As for checkout (services/online_payments.py), nothing talks to Stripe while rows are
locked: an attempt is written first (one short transaction, under the customer lock),
then Stripe is asked with an idempotency key naming the subscription, the period and the
attempt, then the answer is written. So an attempt is asked of Stripe once, however
often, and however many at once, the job runs; and a run that died after writing an
attempt asks again with the same key, which Stripe answers without charging twice.

The webhook is the truth: a card is saved on `setup_intent.succeeded` (or when the
customer comes back and Stripe, asked by us, says the SetupIntent succeeded), and a
renewal's pass becomes paid only on `payment_intent.succeeded`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse

from passbook import clock
from passbook.models import Business, Customer, Notification, Renewal
from passbook.models.business import retry_days
from passbook.models.online import CardOnFile, RenewalCharge
from passbook.services import errors, locks, notifications, online_payments

log = logging.getLogger(__name__)

# An attempt still pending this long after it was written lost its answer (the run died,
# or Stripe could not be reached): the next run asks again, with the same key.
STALE = timedelta(minutes=10)
Status = RenewalCharge.Status


# Saving a card.


@transaction.atomic
def _write_setup(customer_id: int, **fields: str) -> CardOnFile:
    """Write what Stripe answered onto the customer's card row (made on the first answer,
    so a setup Stripe refused leaves nothing behind)."""
    customer = locks.customer(customer_id)
    card = CardOnFile.objects.get_or_create(customer=customer)[0]
    for name, value in fields.items():
        setattr(card, name, value)
    card.save(update_fields=list(fields))
    return card


def _stripe_customer(customer: Customer) -> str:
    """The customer's id at Stripe, made once (the idempotency key names our customer)."""
    known = CardOnFile.objects.filter(customer=customer).values_list("stripe_customer_id")
    if known and known[0][0]:
        return known[0][0]
    made = online_payments.client().Customer.create(
        name=f"{customer.first_name} {customer.last_name}".strip(),
        email=customer.email or None,
        metadata={"customer_id": str(customer.id)},
        idempotency_key=f"passbook-customer-{customer.id}",
    )
    return _write_setup(customer.id, stripe_customer_id=made.id).stripe_customer_id


def start_setup(customer_id: int) -> CardOnFile:
    """A SetupIntent for the customer to save (or replace) a card with Stripe.js; the card
    is recorded when Stripe says it succeeded. Called outside any transaction."""
    api = online_payments.client()
    customer = locks.get(Customer, customer_id, "No such customer.")
    try:
        intent = api.SetupIntent.create(
            customer=_stripe_customer(customer),
            usage="off_session",
            payment_method_types=["card"],
            metadata={"customer_id": str(customer_id)},
        )
    except stripe.StripeError as exc:
        log.warning("Stripe refused a SetupIntent for customer %s: %s", customer_id, exc)
        raise errors.PaymentProviderUnavailable() from exc
    return _write_setup(customer_id, setup_intent_id=intent.id, setup_secret=intent.client_secret)


def confirm_setup(customer_id: int, setup_intent_id: str) -> bool:
    """The customer came back from Stripe.js: ask Stripe (never the browser) whether the
    SetupIntent succeeded, and save the card if so. The webhook does the same."""
    card = CardOnFile.objects.filter(customer_id=customer_id).first()
    if card is None or not setup_intent_id or setup_intent_id != card.setup_intent_id:
        return False
    try:
        intent = online_payments.client().SetupIntent.retrieve(setup_intent_id)
    except stripe.StripeError as exc:
        log.warning("Could not read SetupIntent %s: %s", setup_intent_id, exc)
        return False
    if intent.status != "succeeded":
        return False
    return _save_card(intent.to_dict()) in ("card saved", "card already saved")


def _card_details(payment_method_id: str) -> dict[str, Any]:
    """What the customer recognises the card by (Stripe's brand, last 4 digits, expiry)."""
    method = online_payments.client().PaymentMethod.retrieve(payment_method_id)
    return dict(method.to_dict().get("card") or {})


def _save_card(intent: dict[str, Any], event: dict[str, Any] | None = None) -> str:
    """Record the card a succeeded SetupIntent saved; asks Stripe for its details first,
    outside the transaction (only for a SetupIntent of ours)."""
    method = intent.get("payment_method") or ""
    method_id = method if isinstance(method, str) else method.get("id", "")
    details: dict[str, Any] = {}
    if method_id and _card_for(intent) is not None:
        try:
            details = _card_details(method_id)
        except stripe.StripeError as exc:
            raise errors.Busy() from exc  # answered 503: Stripe sends the event again
    return _record_card(intent, method_id, details, event)


def _card_for(intent: dict[str, Any]) -> CardOnFile | None:
    """The card row of the customer the SetupIntent was made for, by us."""
    customer_id = str((intent.get("metadata") or {}).get("customer_id", ""))
    if not customer_id.isdigit():
        return None
    return CardOnFile.objects.filter(
        customer_id=int(customer_id), stripe_customer_id=intent.get("customer") or "-"
    ).first()


@transaction.atomic
def _record_card(
    intent: dict[str, Any], method_id: str, details: dict[str, Any], event: dict[str, Any] | None
) -> str:
    card = _card_for(intent) if method_id else None
    if card is not None:
        locks.customer(card.customer_id)
        card.refresh_from_db()
    return online_payments.once(
        event, card, "setup intent", lambda c: _write_card(c, intent["id"], method_id, details)
    )


def _write_card(card: CardOnFile, intent_id: str, method_id: str, details: dict) -> str:
    # Only the latest setup started replaces the card: an older one finishing late
    # must not bring back a card the customer replaced.
    if intent_id != card.setup_intent_id and card.saved:
        return "ignored: an older card setup"
    if card.payment_method_id == method_id:
        return "card already saved"
    if card.payment_method_id:  # replaced: Stripe forgets the old card once this commits
        replaced = card.payment_method_id
        transaction.on_commit(lambda: _detach(replaced))
    card.payment_method_id = method_id
    card.brand = str(details.get("brand", ""))[:20]
    card.last4 = str(details.get("last4", ""))[:4]
    card.exp_month, card.exp_year = details.get("exp_month"), details.get("exp_year")
    card.saved_at = clock.now()
    card.save()
    _retry_now(card.customer_id)
    log.info("customer %s saved card %s ending %s", card.customer_id, card.brand, card.last4)
    return "card saved"


def _detach(payment_method_id: str) -> None:
    """A replaced card is detached from the customer at Stripe, so it can never be
    charged again. If Stripe cannot be reached it stays attached (logged), unused by us."""
    try:
        online_payments.client().PaymentMethod.detach(payment_method_id)
    except (stripe.StripeError, errors.OnlinePaymentsOff) as exc:
        log.warning("Could not detach replaced card %s: %s", payment_method_id, exc)


def _retry_now(customer_id: int) -> None:
    """A new card: renewals that were declined (or are past due) are tried again at the
    next run, rather than waiting for their next retry."""
    RenewalCharge.objects.filter(
        renewal__subscription__customer_id=customer_id, status__in=[Status.FAILED, Status.PAST_DUE]
    ).update(status=Status.FAILED, next_attempt_at=clock.now(), updated_at=clock.now())


def setup_succeeded(event: dict[str, Any], intent: dict[str, Any]) -> str:
    """Webhook `setup_intent.succeeded`."""
    return _save_card(intent, event)


# Charging renewals.


@dataclass(frozen=True)
class Attempt:
    """One try at charging a renewal, written before Stripe is asked."""

    charge_id: int
    number: int
    amount: Decimal
    currency: str
    stripe_customer: str
    payment_method: str
    key: str  # the idempotency key: subscription, period and attempt


def due_renewal_ids() -> list[int]:
    """Renewals whose pass is unpaid and whose customer has a card on file, and which are
    not charged yet (their period not over), or whose retry is due, or whose attempt lost
    its answer."""
    now = clock.now()
    unpaid = Renewal.objects.filter(
        issued_pass__voided_at__isnull=True,
        issued_pass__amount_paid__lt=F("issued_pass__price"),
        subscription__customer__card_on_file__payment_method_id__gt="",
    )
    new = Q(charge__isnull=True) & (
        Q(issued_pass__expires_at__isnull=True) | Q(issued_pass__expires_at__gt=now)
    )
    retry = Q(charge__status=Status.FAILED, charge__next_attempt_at__lte=now)
    lost = Q(
        charge__status=Status.PENDING, charge__intent_id="", charge__updated_at__lt=now - STALE
    )
    return list(unpaid.filter(new | retry | lost).order_by("id").values_list("id", flat=True))


def charge(renewal_id: int) -> bool:
    """Try to charge one renewal's pass to the card on file, if it is due. True if Stripe
    was asked. Called outside any transaction (the job calls it for each due renewal)."""
    try:
        attempt = _begin(renewal_id)
    except (IntegrityError, errors.Busy):  # another run has it (wrote it, or holds the lock)
        return False
    if attempt is None:
        return False
    try:
        intent = online_payments.client().PaymentIntent.create(
            amount=online_payments.to_minor(attempt.amount, attempt.currency),
            currency=attempt.currency.lower(),
            customer=attempt.stripe_customer,
            payment_method=attempt.payment_method,
            payment_method_types=["card"],
            off_session=True,
            confirm=True,
            metadata={"renewal_charge_id": str(attempt.charge_id), "attempt": str(attempt.number)},
            idempotency_key=attempt.key,
        )
    except stripe.CardError as exc:  # declined, or the bank wants the customer present
        intent_id = getattr(getattr(exc.error, "payment_intent", None), "id", "") or ""
        _failed(attempt.charge_id, attempt.number, intent_id, exc.user_message or str(exc))
        return True
    except stripe.StripeError as exc:  # no answer: the attempt stays pending, asked again
        log.warning("Stripe did not answer renewal charge %s: %s", attempt.charge_id, exc)
        return True
    _answered(attempt.charge_id, attempt.number, intent.id, intent.status)
    return True


@transaction.atomic
def _begin(renewal_id: int) -> Attempt | None:
    """Under the customer lock: re-check that the renewal is due, and write the attempt."""
    renewal = locks.get(Renewal, renewal_id, "No such renewal.")
    sub = renewal.subscription
    locks.customer(sub.customer_id)
    p = renewal.issued_pass
    p.refresh_from_db()
    existing = RenewalCharge.objects.filter(renewal=renewal).first()
    card = CardOnFile.objects.filter(customer_id=sub.customer_id).first()
    owed = p.price - p.amount_paid
    if p.voided_at is not None or owed <= 0:
        if existing is not None and existing.status != Status.SUCCEEDED:
            _settle(existing, Status.NOT_NEEDED)
        return None
    if card is None or not card.saved:
        return None
    found = _next_attempt(renewal, existing, owed)
    if found is None:
        return None
    key = f"passbook-renewal-{sub.id}-{renewal.period_start.isoformat()}-{found.attempts}"
    log.info("renewal charge %s: attempt %s of %s", found.id, found.attempts, found.amount)
    return Attempt(
        found.id,
        found.attempts,
        found.amount,
        found.currency,
        card.stripe_customer_id,
        card.payment_method_id,
        key,
    )


def _next_attempt(
    renewal: Renewal, existing: RenewalCharge | None, owed: Decimal
) -> RenewalCharge | None:
    """The charge with the attempt to ask now written on it; None if none is due."""
    now = clock.now()
    if existing is None:
        return RenewalCharge.objects.create(
            renewal=renewal,
            amount=owed,
            currency=Business.current().currency.upper(),
            attempts=1,
            created_at=now,
            updated_at=now,
        )
    retry_due = existing.status == Status.FAILED and (existing.next_attempt_at or now) <= now
    lost = _lost(existing, now)
    if not (retry_due or lost):
        return None
    if retry_due:  # a new attempt, a new key; a lost one is asked again with its own key
        existing.attempts += 1
        existing.amount, existing.intent_id = owed, ""
    existing.status, existing.next_attempt_at, existing.updated_at = Status.PENDING, None, now
    existing.save()
    return existing


def _lost(charge: RenewalCharge, now: datetime) -> bool:
    """Written, but Stripe's answer never recorded (an answered one waits for the webhook)."""
    return (
        charge.status == Status.PENDING and not charge.intent_id and charge.updated_at < now - STALE
    )


def _settle(charge: RenewalCharge, status: str, *also: str) -> None:
    """The charge is over: paid, or not needed (no more attempts)."""
    charge.status, charge.next_attempt_at, charge.updated_at = status, None, clock.now()
    charge.save(update_fields=["status", "next_attempt_at", "updated_at", *also])


def _charge_locked(charge_id: int) -> RenewalCharge:
    found = RenewalCharge.objects.select_related("renewal__subscription").get(pk=charge_id)
    locks.customer(found.renewal.subscription.customer_id)
    found.refresh_from_db()
    return found


@transaction.atomic
def _answered(charge_id: int, number: int, intent_id: str, status: str) -> None:
    """Stripe's answer to an attempt. Succeeded or processing: wait for the webhook, which
    pays the pass. Anything else off-session (authentication wanted) is a failure."""
    if status not in ("succeeded", "processing"):
        _failed(charge_id, number, intent_id, "The bank asked for the card holder to confirm.")
        return
    found = _charge_locked(charge_id)
    if found.status == Status.PENDING and found.attempts == number:  # else the webhook was first
        found.intent_id, found.updated_at = intent_id, clock.now()
        found.save(update_fields=["intent_id", "updated_at"])


@transaction.atomic
def _failed(charge_id: int, number: int, intent_id: str, message: str) -> bool:
    """Attempt `number` was declined: the next by the studio's schedule, or past due; an
    email with a link to update the card. Once per attempt (the answer and the webhook
    may both say so); False if it was recorded already or the charge moved on."""
    found = _charge_locked(charge_id)
    if found.status != Status.PENDING or found.attempts != number:
        return False
    found.next_attempt_at = next_attempt_at(found.created_at, number, _schedule())
    found.status = Status.PAST_DUE if found.next_attempt_at is None else Status.FAILED
    found.last_failure = message[:300]
    found.intent_id = intent_id or found.intent_id
    found.updated_at = clock.now()
    found.save()
    _tell_customer(found)
    log.info("renewal charge %s: attempt %s declined (%s)", found.id, number, found.status)
    return True


def _schedule() -> list[int]:
    try:
        return retry_days(Business.current().payment_retry_days)
    except ValueError:  # the settings form validates it; a bad value means no retries
        log.warning("Business.payment_retry_days is not a schedule; no retries")
        return []


def next_attempt_at(first_try: datetime, failed: int, schedule: list[int]) -> datetime | None:
    """When to try again after `failed` declined attempts: the schedule counts days from
    the first try; None once it is used up (a card saved later still gets a try, which
    is then the last)."""
    if failed > len(schedule):
        return None
    return first_try + timedelta(days=schedule[failed - 1])


def card_page_url() -> str:
    path = reverse("portal:card")
    return settings.PASSBOOK_SITE_URL.rstrip("/") + path


def _tell_customer(found: RenewalCharge) -> None:
    renewal = Renewal.objects.select_related("subscription__plan", "subscription__customer").get(
        pk=found.renewal_id
    )
    plan, customer = renewal.subscription.plan, renewal.subscription.customer
    if found.status == Status.PAST_DUE:
        then = "We will not try again: please update your card, or pay at the desk."
    else:
        day = (found.next_attempt_at or clock.now()).astimezone(Business.current().tz)
        then = f"We will try again on {day:%d %B}, or as soon as you update your card."
    notifications.enqueue(
        Notification.Kind.PAYMENT_FAILED,
        f"renewal-declined:{found.id}:{found.attempts}",
        customer,
        f"Your payment for {plan.name} did not go through",
        f"We could not charge {found.amount} {found.currency} for your {plan.name} "
        f"from {renewal.period_start:%d %b}: {found.last_failure}\n\n{then}\n\n"
        f"Update your card here:\n{card_page_url()}",
    )


# Webhooks for renewal charges (online_payments routes them here by the intent's metadata).


def charge_for(intent_id: str, metadata: dict[str, Any]) -> RenewalCharge | None:
    """The renewal charge an intent was made for, its customer locked; None if none."""
    charge_id = str((metadata or {}).get("renewal_charge_id", ""))
    found = RenewalCharge.objects.filter(
        Q(pk=int(charge_id)) if charge_id.isdigit() else Q(intent_id=intent_id or "-")
    ).first()
    return _charge_locked(found.id) if found is not None else None


def is_renewal_intent(intent: dict[str, Any]) -> bool:
    return "renewal_charge_id" in (intent.get("metadata") or {}) or (
        RenewalCharge.objects.filter(intent_id=intent.get("id") or "-").exists()
    )


@transaction.atomic
def charge_succeeded(event: dict[str, Any], intent: dict[str, Any]) -> str:
    """Webhook `payment_intent.succeeded` for a renewal: the pass is paid."""

    def paid(found: RenewalCharge) -> str:
        p = locks.pass_for_update(found.renewal.issued_pass_id)
        outcome = online_payments.record_intent_payment(p, intent)
        found.intent_id, found.last_failure = intent["id"], ""
        _settle(found, Status.SUCCEEDED, "intent_id", "last_failure")
        return outcome

    found = charge_for(intent["id"], intent.get("metadata", {}))
    return online_payments.once(event, found, online_payments.INTENT, paid)


@transaction.atomic
def charge_failed(event: dict[str, Any], intent: dict[str, Any]) -> str:
    """Webhook `payment_intent.payment_failed` for a renewal: the decline, if the answer
    to the attempt did not record it already."""

    def failed(found: RenewalCharge) -> str:
        number = str((intent.get("metadata") or {}).get("attempt", ""))
        message = online_payments.decline(intent)
        recorded = number.isdigit() and _failed(found.id, int(number), intent["id"], message)
        return "failed" if recorded else "failure already recorded"

    found = charge_for(intent["id"], intent.get("metadata", {}))
    return online_payments.once(event, found, online_payments.INTENT, failed)


# What staff and the customer see.


def past_due(customer_id: int | None = None) -> list[RenewalCharge]:
    """Renewals not paid by card: declined and waiting for a retry, or past due."""
    found = RenewalCharge.objects.filter(
        status__in=[Status.FAILED, Status.PAST_DUE],
        renewal__issued_pass__voided_at__isnull=True,  # paid at the desk meanwhile: off the list
        renewal__issued_pass__amount_paid__lt=F("renewal__issued_pass__price"),
    )
    if customer_id is not None:
        found = found.filter(renewal__subscription__customer_id=customer_id)
    return list(
        found.select_related(
            "renewal__subscription__plan", "renewal__subscription__customer"
        ).order_by("-status", "renewal__period_start", "id")
    )
