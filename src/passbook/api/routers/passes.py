"""Passes: lists, detail, history, purchases, staff edits and payments."""

from ninja import Field, Query, Router, Status

from passbook import clock
from passbook.api.routers.common import PageParams, caller, one, own, paginate, responds
from passbook.api.schemas import (
    AddSessionIn,
    AdjustIn,
    BookingOut,
    Day,
    EntryOut,
    PassOut,
    PassPaymentIn,
    PaymentIn,
    PaymentOut,
    PriorityIn,
    PurchaseIn,
    QueryId,
    TopUpIn,
    TotalIn,
    ValidityIn,
    VoidIn,
    page_of,
)
from passbook.models import Business, Pass, PassEntry, PassProduct, Payment, User
from passbook.queries import PASS_SORTS, filter_passes, pass_ordering
from passbook.rules.calendar import end_of_day
from passbook.rules.money import PaymentStatus
from passbook.rules.status import PassStatus
from passbook.services import errors, passes, payments
from passbook.services.errors import InvalidInput, NotFound, ProductArchived
from passbook.services.payments import PaymentInput

router = Router(tags=["passes"])
MANAGER = User.Role.MANAGER


def _passes(request):
    return own(request, Pass.objects.select_related("customer"))


class PassFilter(PageParams):
    status: PassStatus | None = None
    customer: QueryId | None = None
    product: QueryId | None = None
    payment_status: PaymentStatus | None = None
    expiring_before: Day | None = Field(None, description="expires on or before this day")
    sort: str = Field(
        "-purchased_at",
        pattern=r"^-?[a-z_]+$",
        description=f"one of {sorted(PASS_SORTS)}, '-' for descending",
    )


@router.get("/passes", response=responds(200, page_of(PassOut)))
def list_passes(request, f: Query[PassFilter]):
    ordering = pass_ordering(f.sort)
    if ordering is None:
        raise InvalidInput(f"Cannot sort by {f.sort!r}.", field="sort")
    tz = Business.current().tz
    expires_by = end_of_day(f.expiring_before, tz) if f.expiring_before else None
    qs = filter_passes(
        _passes(request),
        clock.now(),
        status=f.status,
        payment=f.payment_status,
        customer_id=f.customer,
        product_id=f.product,
        expires_by=expires_by,
    )
    return paginate(qs.order_by(*ordering), f.page, f.page_size)


@router.get("/passes/{pk}", response=responds(200, PassOut))
def get_pass(request, pk: QueryId):
    return one(_passes(request), pk, "pass")


@router.get("/passes/{pk}/history", response=responds(200, list[EntryOut]))
def pass_history(request, pk: QueryId):
    p = one(_passes(request), pk, "pass")
    return PassEntry.objects.filter(customer_pass=p).select_related("actor")


@router.post("/purchases", response=responds(201, PassOut))
def purchase(request, body: PurchaseIn):
    """Sell a pass, optionally with a payment and sessions to book at once (all or nothing).

    Customers buy for themselves, at list price, products sold online, without a payment
    (they pay at the desk). Price overrides need a manager.
    """
    who = caller(request)
    if not who.is_staff:
        _customer_may_buy(who, body)
    elif body.price is not None:
        who.require(MANAGER)
    payment = PaymentInput(**body.payment.dict()) if body.payment else None
    p = passes.sell(
        body.customer_id,
        body.product_id,
        price=body.price,
        payment=payment,
        session_ids=body.session_ids,
        actor=who.user,
    )
    return Status(201, Pass.objects.select_related("customer").get(pk=p.pk))


def _customer_may_buy(who, body: PurchaseIn) -> None:
    if body.customer_id != who.customer_id:
        raise NotFound("No such customer.")
    product = PassProduct.objects.filter(pk=body.product_id, online_purchasable=True).first()
    if product is None:
        raise NotFound("No such pass product.")
    if product.archived:
        raise ProductArchived()
    if body.price is not None or body.payment is not None:
        raise errors.Forbidden(
            "Customers buy at list price and pay through the portal or the desk."
        )


def _edited(request, pk: QueryId) -> Pass:
    caller(request).require(MANAGER)
    return one(_passes(request), pk, "pass")


def _reread(p: Pass) -> Pass:
    return Pass.objects.select_related("customer").get(pk=p.pk)


@router.post("/passes/{pk}/total", response=responds(200, PassOut), tags=["pass edits"])
def set_total(request, pk: QueryId, body: TotalIn):
    """Set the total credits; 0 or null makes the pass unlimited."""
    p = _edited(request, pk)
    return _reread(
        passes.set_total(p.id, body.total, reason=body.reason, actor=caller(request).user)
    )


@router.post("/passes/{pk}/validity", response=responds(200, PassOut), tags=["pass edits"])
def change_validity(request, pk: QueryId, body: ValidityIn):
    """Move start and expiry (local dates). Extending an expired pass revives it."""
    p = _edited(request, pk)
    return _reread(
        passes.change_validity(
            p.id,
            starts_on=body.starts_on,
            expires_on=body.expires_on,
            reason=body.reason,
            actor=caller(request).user,
        )
    )


@router.post("/passes/{pk}/top-up", response=responds(200, PassOut), tags=["pass edits"])
def top_up(request, pk: QueryId, body: TopUpIn):
    p = _edited(request, pk)
    return _reread(passes.top_up(p.id, body.amount, reason=body.reason, actor=caller(request).user))


@router.post("/passes/{pk}/adjust", response=responds(200, PassOut), tags=["pass edits"])
def adjust(request, pk: QueryId, body: AdjustIn):
    """Add or remove credits with a reason (kept in the history)."""
    p = _edited(request, pk)
    return _reread(passes.adjust(p.id, body.amount, reason=body.reason, actor=caller(request).user))


@router.post("/passes/{pk}/priority", response=responds(200, PassOut), tags=["pass edits"])
def set_priority(request, pk: QueryId, body: PriorityIn):
    """Change which of the customer's passes pays first; kept in the pass's history."""
    p = _edited(request, pk)
    who = caller(request).user
    return _reread(passes.set_priority(p.id, body.priority, reason=body.reason, actor=who))


@router.post("/passes/{pk}/void", response=responds(200, PassOut), tags=["pass edits"])
def void(request, pk: QueryId, body: VoidIn):
    """Void the pass; its booked sessions are cancelled and released."""
    p = _edited(request, pk)
    return _reread(passes.void(p.id, reason=body.reason, actor=caller(request).user))


@router.post("/passes/{pk}/sessions", response=responds(201, BookingOut), tags=["pass edits"])
def add_session(request, pk: QueryId, body: AddSessionIn):
    """Nabooki's Add Session: an appointment (date, time, staff, room) booked on this pass."""
    caller(request).require_staff()
    p = one(_passes(request), pk, "pass")
    return Status(
        201,
        passes.add_session(
            p.id,
            on=body.on,
            at=body.at,
            class_type_id=body.class_type_id,
            staff_id=body.staff_id,
            resource_id=body.resource_id,
            actor=caller(request).user,
        ),
    )


# Payments -----------------------------------------------------------------------------------


class PaymentFilter(PageParams):
    customer: QueryId | None = None
    pass_id: QueryId | None = Field(None, alias="pass")


@router.get("/payments", response=responds(200, page_of(PaymentOut)), tags=["payments"])
def list_payments(request, f: Query[PaymentFilter]):
    qs = own(request, Payment.objects.select_related("recorded_by")).order_by("-received_at", "-id")
    if f.customer:
        qs = qs.filter(customer_id=f.customer)
    if f.pass_id:
        qs = qs.filter(customer_pass_id=f.pass_id)
    return paginate(qs, f.page, f.page_size)


@router.post("/passes/{pk}/payments", response=responds(201, PaymentOut), tags=["payments"])
def record_payment(request, pk: QueryId, body: PassPaymentIn):
    """Money received for a pass. Not more than is owed, unless `excess_to_credit`; the
    methods `account_credit` and `voucher` have their own routes (pay-with-credit,
    vouchers/redeem)."""
    caller(request).require_staff()
    p = one(_passes(request), pk, "pass")
    taken = payments.record_payment(
        p.id, body.money(), excess_to_credit=body.excess_to_credit, actor=caller(request).user
    )
    return Status(201, taken)


@router.post("/passes/{pk}/refunds", response=responds(201, PaymentOut), tags=["payments"])
def refund(request, pk: QueryId, body: PaymentIn):
    """Give money back (never more than was paid). Managers and owners."""
    caller(request).require(MANAGER)
    p = one(_passes(request), pk, "pass")
    return Status(
        201, payments.refund(p.id, PaymentInput(**body.dict()), actor=caller(request).user)
    )
