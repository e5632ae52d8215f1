"""Subscription plans, and customers' subscriptions (a pass per period)."""

from ninja import Router, Status

from passbook.api.routers.common import caller, one, own, responds, sent
from passbook.api.schemas import PlanIn, PlanOut, QueryId, SubscriptionIn, SubscriptionOut, partial
from passbook.models import Plan, Subscription, User
from passbook.services import records, subscriptions

router = Router(tags=["subscriptions"])
PlanPatch = partial(PlanIn)
MANAGER = User.Role.MANAGER


@router.get("/plans", response=responds(200, list[PlanOut]))
def list_plans(request):
    """Plans on offer (staff also see retired ones)."""
    plans = Plan.objects.order_by("name", "id")
    return plans if caller(request).is_staff else plans.filter(active=True)


@router.post("/plans", response=responds(201, PlanOut))
def create_plan(request, body: PlanIn):
    caller(request).require(MANAGER)
    return Status(201, records.save(Plan(), body.dict()))


@router.patch("/plans/{pk}", response=responds(200, PlanOut))
def update_plan(
    request,
    pk: QueryId,
    body: PlanPatch,  # type: ignore[valid-type]  # a class made at run time by partial()
):
    """Change or retire a plan (`active: false`); running subscriptions keep renewing."""
    caller(request).require(MANAGER)
    return records.save(one(Plan.objects.all(), pk, "plan"), sent(body))


def _subscriptions(request):
    return own(request, Subscription.objects.order_by("-created_at", "-id"))


@router.get("/subscriptions", response=responds(200, list[SubscriptionOut]))
def list_subscriptions(request, customer: QueryId | None = None):
    qs = _subscriptions(request)
    return qs.filter(customer_id=customer) if customer else qs


@router.get("/subscriptions/{pk}", response=responds(200, SubscriptionOut))
def get_subscription(request, pk: QueryId):
    return one(_subscriptions(request), pk, "subscription")


@router.post("/subscriptions", response=responds(201, SubscriptionOut))
def start_subscription(request, body: SubscriptionIn):
    """Start a subscription; the first period's pass is issued at once (unpaid)."""
    who = caller(request)
    who.require_staff()
    sub = subscriptions.start(
        body.customer_id, body.plan_id, starts_on=body.starts_on, actor=who.user
    )
    return Status(201, sub)


@router.post("/subscriptions/{pk}/cancel", response=responds(200, SubscriptionOut))
def cancel_subscription(request, pk: QueryId):
    """End at the end of the current period (customers may cancel their own)."""
    return subscriptions.cancel_at_period_end(one(_subscriptions(request), pk, "subscription").id)


@router.post("/subscriptions/{pk}/pause", response=responds(200, SubscriptionOut))
def pause_subscription(request, pk: QueryId):
    caller(request).require_staff()
    return subscriptions.pause(one(_subscriptions(request), pk, "subscription").id)


@router.post("/subscriptions/{pk}/resume", response=responds(200, SubscriptionOut))
def resume_subscription(request, pk: QueryId):
    """Resume; if the paused period is over, a new period starts today."""
    caller(request).require_staff()
    return subscriptions.resume(one(_subscriptions(request), pk, "subscription").id)
