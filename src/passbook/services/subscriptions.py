"""Subscriptions: a pass per period, issued exactly once (Reservie: renewals happen via
subscriptions, not the pass record)."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction

from passbook import clock
from passbook.models import Business, Plan, Renewal, Subscription, User
from passbook.rules.calendar import local_date
from passbook.services import errors, locks, notifications
from passbook.services.passes import issue_for_period

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


def _issue_period(sub: Subscription, actor: User | None = None) -> bool:
    """Issue the pass for sub.period_start..period_end; False if it already exists."""
    if Renewal.objects.filter(subscription=sub, period_start=sub.period_start).exists():
        return False
    last = sub.period_end - timedelta(days=1)
    try:
        with transaction.atomic():
            p = issue_for_period(
                sub.customer, sub.plan.product, sub.plan.price, sub.period_start, last, actor
            )
            Renewal.objects.create(
                subscription=sub,
                period_start=sub.period_start,
                issued_pass=p,
                created_at=clock.now(),
            )
    except IntegrityError:
        return False  # another run issued it first (the unique constraint decides)
    notifications.enqueue(
        "renewal_issued",
        f"renewal:{sub.id}:{sub.period_start}",
        sub.customer,
        f"Your {sub.plan.name}",
        f"Your {p.name} for {sub.period_start:%d %b} to {last:%d %b} is ready.",
    )
    return True


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
    _issue_period(sub, actor)
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
        _issue_period(sub)
    sub.save(update_fields=["status", "anchor", "period_start", "period_end"])
    return sub


@transaction.atomic
def renew(subscription_id: int) -> int:
    """Move a due subscription into its next period(s); returns passes issued."""
    sub = _locked(subscription_id)
    issued = 0
    today = _today()
    while sub.status == Subscription.Status.ACTIVE and sub.period_end <= today:
        if sub.cancel_at_period_end:
            sub.status = Subscription.Status.CANCELLED
            break
        sub.period_start = sub.period_end
        sub.period_end = _after(sub, sub.period_start)
        issued += _issue_period(sub)
    sub.save(update_fields=["status", "period_start", "period_end"])
    return issued


def due_ids() -> list[int]:
    return list(
        Subscription.objects.filter(
            status=Subscription.Status.ACTIVE, period_end__lte=_today()
        ).values_list("id", flat=True)
    )
