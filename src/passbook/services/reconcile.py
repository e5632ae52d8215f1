"""Compare Stripe's charges and refunds with the online payments we recorded.

The range picks the intents to compare: those of Stripe's charges created in it, and those
of our online payments received in it. Each intent is then compared whole (all its money,
whenever it moved), so the two sides' clocks need not agree to the second.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction

from passbook import clock
from passbook.models import Business, Payment, StripeEvent
from passbook.payment_providers import stripe_configured
from passbook.rules.calendar import start_of_day
from passbook.services import errors, online_payments

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Difference:
    intent: str
    what: str
    stripe: Decimal
    ours: Decimal

    def __str__(self) -> str:
        return f"{self.intent}: {self.what} {self.stripe} at Stripe, {self.ours} recorded here"


def _stripe_side(api, intent_ids: set[str], since: int, until: int) -> dict[str, tuple]:
    """intent -> (charged, refunded) in major units, from Stripe's charges."""
    found: dict[str, tuple] = {}

    def add(charge: dict) -> None:
        intent = charge.get("payment_intent") or ""
        if not intent or charge.get("status") != "succeeded":
            return
        found[intent] = (
            online_payments.from_minor(charge["amount"], charge["currency"]),
            online_payments.from_minor(charge.get("amount_refunded") or 0, charge["currency"]),
        )

    for charge in api.Charge.list(created={"gt": since - 1}, limit=100).auto_paging_iter():
        if charge["created"] < until:
            add(charge.to_dict())
            intent_ids.add(charge.to_dict().get("payment_intent") or "")
    for intent in sorted(intent_ids - set(found) - {""}):
        try:
            latest = api.PaymentIntent.retrieve(intent).to_dict().get("latest_charge")
        except api.InvalidRequestError:
            continue  # unknown at Stripe: every amount we recorded is a difference
        if latest:
            add(api.Charge.retrieve(latest if isinstance(latest, str) else latest["id"]).to_dict())
    return found


def reconcile(first: date, last: date) -> list[Difference]:
    """Differences for the days first..last (the studio's days, both included)."""
    api = online_payments.client()
    tz = Business.current().tz
    since, until = start_of_day(first, tz), start_of_day(last + timedelta(days=1), tz)
    ours: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    online = Payment.objects.filter(method=Payment.Method.ONLINE)
    intents = set(
        online.filter(received_at__gte=since, received_at__lt=until)
        .exclude(reference="")
        .values_list("reference", flat=True)
    )
    try:
        theirs = _stripe_side(api, intents, int(since.timestamp()), int(until.timestamp()))
    except online_payments.stripe.StripeError as exc:
        raise errors.PaymentProviderUnavailable() from exc
    for reference, amount in online.filter(reference__in=intents).values_list(
        "reference", "amount"
    ):
        ours[reference][0 if amount > 0 else 1] += abs(amount)
    found = []
    for intent in sorted(intents - {""}):
        charged, refunded = theirs.get(intent, (Decimal(0), Decimal(0)))
        paid, given_back = ours[intent]
        if charged != paid:
            found.append(Difference(intent, "charged", charged, paid))
        if refunded != given_back:
            found.append(Difference(intent, "refunded", refunded, given_back))
    return found


def daily() -> int | None:
    """Reconcile yesterday once a day (from `run-jobs`), when online payments are set up;
    differences go to the log. The day's marker is a StripeEvent row of our own
    (`passbook:reconcile:<day>`, unique), so overlapping runs reconcile it once."""
    if not stripe_configured():
        return None
    yesterday = clock.now().astimezone(Business.current().tz).date() - timedelta(days=1)
    marker = f"passbook:reconcile:{yesterday.isoformat()}"
    if StripeEvent.objects.filter(event_id=marker).exists():
        return None
    try:
        with transaction.atomic():
            StripeEvent.objects.create(
                event_id=marker, type="passbook.reconcile", outcome="", received_at=clock.now()
            )
    except IntegrityError:
        return None  # another run has it
    try:
        found = reconcile(yesterday, yesterday)
    except errors.DomainError as exc:
        StripeEvent.objects.filter(event_id=marker).delete()  # try again next run
        log.warning("Could not reconcile payments for %s: %s", yesterday, exc.message)
        return None
    for difference in found:
        log.warning("Payment difference on %s: %s", yesterday, difference)
    StripeEvent.objects.filter(event_id=marker).update(outcome=f"{len(found)} difference(s)")
    return len(found)
