"""Subscriptions: a pass per period, issued exactly once (Reservie: renewals happen via
subscriptions, not the pass record)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import QuerySet

from passbook import clock
from passbook.models import (
    Business,
    Customer,
    Notification,
    Pass,
    Plan,
    Renewal,
    Subscription,
    User,
)
from passbook.rules.calendar import local_date
from passbook.services import bulk, errors, ledger, locks, notifications, passes

SUBS = f"{bulk.table(Subscription)} s"
PASSES = f"{bulk.table(Pass)} p"
CUSTOMERS = f"{bulk.table(Customer)} c"
ONE_DAY = timedelta(days=1)
UNIT: dict[str, relativedelta] = {
    Plan.Interval.WEEK: relativedelta(weeks=1),
    Plan.Interval.MONTH: relativedelta(months=1),
    Plan.Interval.YEAR: relativedelta(years=1),
}


def _after(sub: Subscription, day: date) -> date:
    """The first period boundary after `day`, counted from the anchor: 31 Jan, 28 Feb,
    31 Mar … rather than drifting to the 28th."""
    unit, k = UNIT[sub.plan.interval], 1
    while (boundary := sub.anchor + unit * k) <= day:
        k += 1
    return boundary


def _today() -> date:
    return local_date(clock.now(), Business.current().tz)


@dataclass(frozen=True)
class Period:
    subscription: Subscription
    start: date
    end: date  # the first day after it

    @classmethod
    def current(cls, sub: Subscription) -> "Period":
        return cls(sub, sub.period_start, sub.period_end)


def _issue(periods: list[Period], actor: User | None = None) -> int:
    """Issue each period's pass, unless it already has one; the customers are locked.
    Returns how many were issued. Set-based: a few statements for each plan and period,
    however many subscriptions enter it."""
    subs = {p.subscription.id for p in periods}
    done = set(
        Renewal.objects.filter(subscription_id__among=subs).values_list(
            "subscription_id", "period_start"
        )
    )
    alike = defaultdict(list)
    for period in periods:
        if (period.subscription.id, period.start) not in done:
            alike[period.subscription.plan_id, period.start, period.end].append(period)
    return sum(
        _issue_alike(group, actor)
        for same_plan_and_period in alike.values()
        for group in _one_per_customer(same_plan_and_period)
    )


def _one_per_customer(periods: list[Period]) -> list[list[Period]]:
    """Split periods so that no customer appears twice in a group: new passes are matched
    to their subscriptions by customer. (Two subscriptions to one plan are rare.)"""
    groups: list[dict[int, Period]] = []
    for period in periods:
        customer = period.subscription.customer_id
        group = next((g for g in groups if customer not in g), None)
        if group is None:
            groups.append(group := {})
        group[customer] = period
    return [list(g.values()) for g in groups]


def _issue_alike(periods: list[Period], actor: User | None) -> int:
    """Issue the passes of one plan's subscriptions entering the same period (same first
    and last day: anchors on the 28th and the 31st share a start but not an end), each for a
    different customer: the passes, their GRANTs, the renewals and the notices, each
    one INSERT … SELECT. The unique (subscription, period_start) constraint stays the last
    word: a second pass for a period fails the whole transaction rather than be issued."""
    plan, start, end = periods[0].subscription.plan, periods[0].start, periods[0].end
    new = passes.new_pass(
        None, plan.product, plan.price, Pass.Source.SUBSCRIPTION, actor, (start, end - ONE_DAY)
    )
    in_subs, sub_ids = bulk.id_in("s", [p.subscription.id for p in periods])
    rows = bulk.insert_select(
        new, {"customer_id": "s.customer_id"}, f"{SUBS} WHERE {in_subs}", sub_ids, returning="id"
    )
    in_passes, pass_ids = bulk.id_in("p", [pass_id for (pass_id,) in rows])
    bulk.insert_select(
        ledger.grant(new, actor=actor, reason="pass issued"),
        {"customer_pass_id": "p.id"},
        f"{PASSES} WHERE {in_passes}",
        pass_ids,
    )
    bulk.insert_select(
        Renewal(period_start=start, created_at=clock.now()),
        {"subscription_id": "s.id", "issued_pass_id": "p.id"},
        f"{SUBS} JOIN {PASSES} ON p.customer_id = s.customer_id WHERE {in_subs} AND {in_passes}",
        sub_ids + pass_ids,
    )
    _notify_alike(
        new, periods[0], f"{SUBS} JOIN {CUSTOMERS} ON c.id = s.customer_id WHERE {in_subs}", sub_ids
    )
    return len(rows)


def _notify_alike(new: Pass, period: Period, source: str, params: list) -> None:
    """One message per subscription and period, saying its pass is ready (no separate
    purchase notice: one renewal, one email)."""
    last = period.end - ONE_DAY
    notifications.enqueue_per_row(
        notifications.unaddressed(
            Notification.Kind.RENEWAL_ISSUED,
            f"Your {period.subscription.plan.name}",
            f"Your {new.name} for {period.start:%d %b} to {last:%d %b} is ready.",
        ),
        f"'renewal:' || s.id || ':{period.start.isoformat()}'",  # a date: digits and dashes
        source,
        params,
    )


@transaction.atomic
def start(
    customer_id: int, plan_id: int, *, starts_on: date | None = None, actor: User | None = None
) -> Subscription:
    """Subscribe and issue the first period's pass."""
    plan = locks.get(Plan, plan_id, "No such plan.")
    if not plan.active:
        raise errors.InvalidInput("This plan is no longer offered.", field="plan")
    first = starts_on or _today()
    errors.check_days(starts_on=first)
    customer = locks.customer(customer_id)
    sub = Subscription(
        customer=customer,
        plan=plan,
        anchor=first,
        period_start=first,
        created_at=clock.now(),
        created_by=actor,
    )
    sub.period_end = _after(sub, first)
    sub.save()
    _issue([Period.current(sub)], actor)
    return sub


@transaction.atomic
def cancel_at_period_end(subscription_id: int) -> Subscription:
    sub = locks.subscription_for_update(subscription_id)
    if sub.status == Subscription.Status.CANCELLED:
        raise errors.InvalidInput("This subscription has ended.", field="subscription")
    sub.cancel_at_period_end = True
    sub.save(update_fields=["cancel_at_period_end"])
    return sub


@transaction.atomic
def pause(subscription_id: int) -> Subscription:
    sub = locks.subscription_for_update(subscription_id)
    if sub.status != Subscription.Status.ACTIVE:
        raise errors.InvalidInput(
            "Only an active subscription can be paused.", field="subscription"
        )
    sub.status = Subscription.Status.PAUSED
    sub.save(update_fields=["status"])
    return sub


@transaction.atomic
def resume(subscription_id: int) -> Subscription:
    """Resume; if the paused period is over, a new period starts today."""
    sub = locks.subscription_for_update(subscription_id)
    if sub.status != Subscription.Status.PAUSED:
        raise errors.InvalidInput(
            "Only a paused subscription can be resumed.", field="subscription"
        )
    sub.status = Subscription.Status.ACTIVE
    today = _today()
    if sub.period_end <= today:
        sub.anchor = sub.period_start = today
        sub.period_end = _after(sub, today)
        _issue([Period.current(sub)])
    sub.save(update_fields=["status", "anchor", "period_start", "period_end"])
    return sub


@transaction.atomic
@Business.kept()  # one read of the time zone for the batch, not one per pass
def renew(subscription_ids: list[int]) -> int:
    """Move due subscriptions into their next period(s), issuing each period's pass;
    returns how many passes were issued. One transaction for the batch: the customers
    are locked in id order, then each subscription is re-read and re-checked."""
    owners = Subscription.objects.filter(id__among=subscription_ids)
    locks.customers(owners.values_list("customer_id", flat=True))
    today = _today()
    subs = list(_due(today).filter(id__among=subscription_ids))
    _attach_plans(subs)
    issued = _issue([period for sub in subs for period in _catch_up(sub, today)])
    _save_periods(subs)
    return issued


def _attach_plans(subs: list[Subscription]) -> None:
    """Give each subscription its plan and product, read once per plan, not per row."""
    plans = (
        Plan.objects.select_related("product")
        .prefetch_related("product__categories", "product__class_types")
        .in_bulk({sub.plan_id for sub in subs})
    )
    for sub in subs:
        sub.plan = plans[sub.plan_id]


def _save_periods(subs: list[Subscription]) -> None:
    """One UPDATE per distinct new state; a run usually moves most subscriptions to the
    same period (bulk_update's CASE per row cost more than the renewals themselves)."""
    moved = defaultdict(list)
    for sub in subs:
        moved[sub.status, sub.period_start, sub.period_end].append(sub.id)
    for (status, start, end), ids in moved.items():
        Subscription.objects.filter(id__among=ids).update(
            status=status, period_start=start, period_end=end
        )


def _catch_up(sub: Subscription, today: date) -> list[Period]:
    """Advance a due subscription period by period up to today, or end it at the period
    end if asked to; returns the periods it entered."""
    entered = []
    while sub.status == Subscription.Status.ACTIVE and sub.period_end <= today:
        if sub.cancel_at_period_end:
            sub.status = Subscription.Status.CANCELLED
            break
        sub.period_start = sub.period_end
        sub.period_end = _after(sub, sub.period_start)
        entered.append(Period.current(sub))
    return entered


def _due(today: date) -> QuerySet[Subscription]:
    return Subscription.objects.filter(status=Subscription.Status.ACTIVE, period_end__lte=today)


def due_ids() -> list[int]:
    return list(_due(_today()).order_by("id").values_list("id", flat=True))
