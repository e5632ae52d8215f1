"""Gift vouchers and account credit: value that moves without moving a pass."""

from ninja import Router, Status

from passbook.api.routers.common import caller, one, own, own_customers, responds
from passbook.api.schemas import (
    CreditIn,
    CreditOut,
    PaymentOut,
    PayWithCreditIn,
    QueryId,
    RedeemIn,
    RedeemOut,
    VoucherIn,
    VoucherOut,
    VoucherSaleIn,
    money,
)
from passbook.models import Customer, GiftVoucher, Pass, User
from passbook.services import credit, payments, vouchers
from passbook.services.payments import PaymentInput

router = Router(tags=["vouchers and credit"])
MANAGER = User.Role.MANAGER


@router.get("/vouchers", response=responds(200, list[VoucherOut]))
def list_vouchers(request):
    """The newest 200 vouchers with their codes (managers)."""
    caller(request).require(MANAGER)
    return GiftVoucher.objects.order_by("-created_at", "-id")[:200]


@router.post("/vouchers", response=responds(201, VoucherOut))
def give_voucher(request, body: VoucherIn):
    """A voucher given away (a prize, a goodwill gesture): no payment."""
    who = caller(request)
    who.require(MANAGER)
    return Status(201, vouchers.create(**body.dict(), actor=who.user))


@router.post("/voucher-sales", response=responds(201, VoucherOut))
def sell_voucher(request, body: VoucherSaleIn):
    """Sell a voucher to a customer, paid in full; voucher and payment are one record."""
    who = caller(request)
    who.require_staff()
    fields = body.dict()
    payment = PaymentInput(**fields.pop("payment"))
    return Status(
        201, vouchers.sell(fields.pop("buyer_id"), payment=payment, **fields, actor=who.user)
    )


@router.post("/vouchers/redeem", response=responds(200, RedeemOut))
def redeem_voucher(request, body: RedeemIn):
    """Redeem a code for a customer (customers: for themselves). Five wrong codes in
    15 minutes block the caller for a while (`too_many_attempts`)."""
    who = caller(request)
    customer = one(own_customers(request), body.customer_id, "customer")
    result = vouchers.redeem(body.code, customer.id, who=f"user:{who.user.id}", actor=who.user)
    issued = result.id if isinstance(result, Pass) else None
    return {"pass_id": issued, "credit": _credit(request, customer)}


def _credit(request, customer: Customer) -> dict:
    return {
        "balance": money(credit.balance(customer), request.currency),
        "notes": customer.credit_notes.order_by("-created_at", "-id"),
    }


@router.get("/customers/{pk}/credit", response=responds(200, CreditOut))
def account_credit(request, pk: QueryId):
    """The customer's account credit: balance and every note (newest first)."""
    return _credit(request, one(own_customers(request), pk, "customer"))


@router.post("/customers/{pk}/credit", response=responds(201, CreditOut))
def issue_credit(request, pk: QueryId, body: CreditIn):
    """Give account credit with a reason (managers)."""
    who = caller(request)
    who.require(MANAGER)
    customer = one(Customer.objects.all(), pk, "customer")
    credit.issue(customer.id, body.amount, reason=body.reason, actor=who.user)
    return Status(201, _credit(request, customer))


@router.post("/passes/{pk}/pay-with-credit", response=responds(201, PaymentOut))
def pay_with_credit(request, pk: QueryId, body: PayWithCreditIn):
    """Pay what is owed on a pass from the customer's account credit (customers: their own)."""
    p = one(own(request, Pass.objects.all()), pk, "pass")
    return Status(201, payments.pay_with_credit(p.id, body.amount, actor=caller(request).user))
