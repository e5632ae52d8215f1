"""Subscriptions: a pass per period, issued exactly once (Reservie: renewals happen via
subscriptions, not the pass record)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import QuerySet

from passbook import clock
from passbook.models import Business, Notification, Pass, Plan, Renewal, Subscription, User
from passbook.rules.calendar import local_date
from passbook.services import errors, locks, notifications, passes

UNIT = {Plan.Interval.WEEK: "weeks", Plan.Interval.MONTH: "months", Plan.Interval.YEAR: "years"}


def _after(sub: Subscription, day: date) -> date:
    """The first period boundary after `day`, counted from the anchor: 31 Jan, 28 Feb,
    31 Mar … rather than drifting to the 28th."""
    unit, k = UNIT[sub.plan.interval], 1
    while (boundary := sub.anchor + relativedelta(**{unit: k})) <= day:
        k += 1
    return boundary


def _today() -> date:
    return local_date(clock.now(), Business.current().tz)


def _locked(subscription_id: int) -> Subscription:
    found = locks.get(Subscription, subscription_id, "No such subscription.")
    locks.customer(found.customer_id)  # the customer row guards their passes
    return Subscription.objects.select_related("plan__product", "customer").get(pk=subscription_id)


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
    Returns how many were issued. A few statements however many periods there are."""
    subs = {p.subscription.id for p in periods}
    done = set(
        Renewal.objects.filter(subscription__in=subs).values_list("subscription_id", "period_start")
    )
    periods = [p for p in periods if (p.subscription.id, p.start) not in done]
    issued = passes.issue_many(
        [
            passes.new_pass(
                p.subscription.customer,
                p.subscription.plan.product,
                p.subscription.plan.price,
                Pass.Source.SUBSCRIPTION,
                actor,
                days=(p.start, p.end - timedelta(days=1)),
            )
            for p in periods
        ],
        actor,
    )
    now, pairs = clock.now(), list(zip(periods, issued, strict=True))
    # The unique (subscription, period_start) constraint stays the last word: a second
    # pass for a period would fail the whole transaction rather than be issued.
    Renewal.objects.bulk_create(
        Renewal(subscription=p.subscription, period_start=p.start, issued_pass=new, created_at=now)
        for p, new in pairs
    )
    notifications.enqueue_all([_renewal_message(p, new) for p, new in pairs])
    return len(issued)


def _renewal_message(period: Period, new: Pass) -> Notification:
    sub, last = period.subscription, period.end - timedelta(days=1)
    return notifications.message(
        Notification.Kind.RENEWAL_ISSUED,
        f"renewal:{sub.id}:{period.start}",
        sub.customer,
        f"Your {sub.plan.name}",
        f"Your {new.name} for {period.start:%d %b} to {last:%d %b} is ready.",
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
    sub = _locked(subscription_id)
    if sub.status == Subscription.Status.CANCELLED:
        raise errors.InvalidInput("This subscription has ended.", field="subscription")
    sub.cancel_at_period_end = True
    sub.save(update_fields=["cancel_at_period_end"])
    return sub


@transaction.atomic
def pause(subscription_id: int) -> Subscription:
    sub = _locked(subscription_id)
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
    sub = _locked(subscription_id)
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
    owners = Subscription.objects.filter(id__in=subscription_ids)
    locks.customers(owners.values_list("customer_id", flat=True))
    today = _today()
    subs = list(
        _due(today)
        .filter(id__in=subscription_ids)
        .select_related("plan__product", "customer")
        .prefetch_related("plan__product__categories", "plan__product__class_types")
    )
    issued = _issue([period for sub in subs for period in _catch_up(sub, today)])
    _save_periods(subs)
    return issued


def _save_periods(subs: list[Subscription]) -> None:
    """One UPDATE per distinct new state; a run usually moves most subscriptions to the
    same period (bulk_update's CASE per row cost more than the renewals themselves)."""
    moved = defaultdict(list)
    for sub in subs:
        moved[sub.status, sub.period_start, sub.period_end].append(sub.id)
    for (status, start, end), ids in moved.items():
        Subscription.objects.filter(id__in=ids).update(
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
