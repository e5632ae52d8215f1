"""The jobs' set-based batch paths write exactly what handling each item on its own writes.

Expiry forfeits a batch of passes with one bulk insert; renewals issue a whole plan's
passes, GRANTs, renewals and messages with one INSERT … SELECT each, matching new passes
to subscriptions by customer. For random passes and subscriptions, each job runs once
over everything due and once item by item (from the same state, rolled back between),
and the rows written must be the same. A second subscription of one customer to one plan,
anchors on the 28th to 31st, paused and ending subscriptions are all in the draw.
"""

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passbook.models import Notification, Pass, PassEntry, Plan, Renewal, Subscription
from passbook.rules.ledger import EntryKind
from passbook.rules.status import PassStatus, pass_status
from passbook.services import expiry, ledger, passes, subscriptions
from passbook.services.facts import pass_facts
from tests.factories import CustomerFactory, ProductFactory

START = datetime(2027, 1, 10, 9, tzinfo=UTC)
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def outcome(run: Callable[[], object]) -> Counter:
    """Run `run`, take every row the jobs write (without ids, which sequences hand out
    differently), and roll back, so the next run starts from the same state."""
    with transaction.atomic():
        run()
        rows = Counter(_rows())
        transaction.set_rollback(True)
    return rows


def _rows():
    owner = ("customer_pass__customer_id", "customer_pass__starts_at", "customer_pass__name")
    yield from (
        ("pass", *row)
        for row in Pass.objects.values_list(
            "customer_id", "name", "total", "starts_at", "expires_at", "price", "source"
        )
    )
    yield from (
        ("entry", *row)
        for row in PassEntry.objects.values_list(
            *owner, "kind", "amount", "starts_at", "expires_at", "reason"
        )
    )
    yield from (
        ("renewal", *row)
        for row in Renewal.objects.values_list(
            "subscription_id", "period_start", "issued_pass__customer_id", "issued_pass__starts_at"
        )
    )
    yield from (
        ("notice", *row)
        for row in Notification.objects.values_list("kind", "key", "customer_id", "subject", "body")
    )
    yield from (
        ("subscription", *row)
        for row in Subscription.objects.values_list("id", "status", "period_start", "period_end")
    )


@pytest.fixture
def studio(business):
    return [CustomerFactory() for _ in range(3)], ProductFactory(credits=Decimal("8"))


# Expiry ------------------------------------------------------------------------------

A_PASS = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "expires_in_days": st.integers(-30, 5),
        "used": st.sampled_from([Decimal(n) for n in ("0", "2", "8")]),
        "voided": st.booleans(),
        "extended_after_expiry": st.booleans(),
    }
)


@EXAMPLES
@given(plan=st.lists(A_PASS, min_size=1, max_size=8))
def test_expiry_in_one_batch_forfeits_what_one_pass_at_a_time_does(studio, plan):
    customers, product = studio
    with transaction.atomic(), time_machine.travel(START, tick=False):
        for row in plan:
            _expiring_pass(customers[row["customer"]], product, row)
        due = list(expiry.due().order_by("id").values_list("id", flat=True))
        before = outcome(lambda: None)
        batch = outcome(lambda: expiry.forfeit(due))
        one_by_one = outcome(lambda: [expiry.forfeit([i]) for i in due])
        assert batch == one_by_one
        written = list((batch - before).elements())
        assert all(row[0] == "entry" and _forfeit(row) for row in written)
        assert len(written) == len(due) == len(_expired_with_credits_left())
        transaction.set_rollback(True)


def _expiring_pass(customer, product, row) -> None:
    p = passes.new_pass(customer, product, product.price, Pass.Source.SALE, None)
    p.expires_at = START + timedelta(days=row["expires_in_days"])
    ledger.open_pass(p)
    if row["used"]:
        ledger.append(p, EntryKind.ADJUST, -row["used"], reason="used elsewhere")
    if row["extended_after_expiry"] and p.expires_at < START:
        # Forfeited once already, then extended and expired again: due again.
        ledger.append(p, EntryKind.FORFEIT, p.remaining, reason="expired with credits left")
        p.expires_at = START - timedelta(hours=1)
        ledger.append(p, EntryKind.VALIDITY, reason="extended")
    if row["voided"]:
        p.voided_at = START - timedelta(days=40)
        ledger.append(p, EntryKind.VOID, reason="voided")


def _forfeit(row) -> bool:
    return row[4] == EntryKind.FORFEIT and row[8] == "expired with credits left"


def _expired_with_credits_left() -> list[Pass]:
    return [
        p
        for p in Pass.objects.all()
        if pass_status(pass_facts(p), START) == PassStatus.EXPIRED and p.remaining
    ]


# Renewals ----------------------------------------------------------------------------

A_SUBSCRIPTION = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "plan": st.integers(0, 1),
        # Few anchors, so subscriptions often share a period: a week apart, and the month
        # ends where "a month later" is clamped.
        "anchor": st.sampled_from([date(2027, 1, d) for d in (1, 8, 28, 29, 30, 31)]),
        "ending": st.booleans(),
        "paused": st.booleans(),
    }
)


@EXAMPLES
@given(
    plan=st.lists(A_SUBSCRIPTION, min_size=1, max_size=8),
    later=st.integers(1, 75),
)
def test_renewals_in_one_batch_write_what_one_subscription_at_a_time_writes(studio, plan, later):
    customers, product = studio
    plans = [
        Plan.objects.create(name=n, product=product, interval=n, price=Decimal("90"))
        for n in ("week", "month")
    ]
    with transaction.atomic():
        with time_machine.travel(START + timedelta(days=21), tick=False):
            for row in plan:
                _subscription(customers[row["customer"]], plans[row["plan"]], row)
        with time_machine.travel(START + timedelta(days=21 + later), tick=False):
            due = subscriptions.due_ids()
            batch = outcome(lambda: subscriptions.renew(due))
            one_by_one = outcome(lambda: [subscriptions.renew([i]) for i in due])
        assert batch == one_by_one
        transaction.set_rollback(True)


def _subscription(customer, plan: Plan, row) -> None:
    sub = subscriptions.start(customer.id, plan.id, starts_on=row["anchor"])
    if row["ending"]:
        subscriptions.cancel_at_period_end(sub.id)
    if row["paused"]:
        subscriptions.pause(sub.id)
