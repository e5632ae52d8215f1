"""Freezing a pass, and extending every live pass for a studio closure."""

from ninja import Router, Status

from passbook.api.routers.common import caller, one, own, responds
from passbook.api.schemas import ExtendIn, ExtendOut, FreezeIn, FreezeOut, QueryId
from passbook.models import Pass, PassFreeze, User
from passbook.services import freezes

router = Router(tags=["pass edits"])
MANAGER = User.Role.MANAGER


@router.get("/passes/{pk}/freezes", response=responds(200, list[FreezeOut]))
def list_freezes(request, pk: QueryId):
    p = one(own(request, Pass.objects.all()), pk, "pass")
    return PassFreeze.objects.filter(customer_pass=p).order_by("starts_on", "id")


@router.post("/passes/{pk}/freezes", response=responds(201, FreezeOut))
def freeze(request, pk: QueryId, body: FreezeIn):
    """Put a pass on hold for whole days; its expiry moves later by as many days."""
    who = caller(request)
    who.require(MANAGER)
    p = one(Pass.objects.all(), pk, "pass")
    return Status(201, freezes.freeze(p.id, **body.dict(), actor=who.user))


@router.post("/pass-extensions", response=responds(200, ExtendOut))
def extend_all(request, body: ExtendIn):
    """Studio closure: add days to every live pass that has an expiry."""
    who = caller(request)
    who.require(MANAGER)
    return {"extended": freezes.extend_all_active(body.days, reason=body.reason, actor=who.user)}
