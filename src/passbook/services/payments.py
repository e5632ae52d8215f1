"""Payments and refunds against a pass or a drop-in booking."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from passbook import clock
from passbook.models import Booking, Customer, GiftVoucher, Pass, Payment, User
from passbook.models.fields import MOST_MONEY
from passbook.services import credit, errors, locks


@dataclass(frozen=True)
class PaymentInput:
    amount: Decimal
    method: str
    received_at: datetime | None = None
    reference: str = ""
    note: str = ""


# Methods staff cannot pick by hand: money of that kind moves through its own use case.
NOT_BY_HAND: dict[str, str] = {
    Payment.Method.ACCOUNT_CREDIT: "Use 'Pay with account credit': it takes the amount off"
    " the customer's balance.",
    Payment.Method.VOUCHER: "Redeem the voucher instead: it pays for the pass itself.",
}


def _validate(payment: PaymentInput) -> None:
    if payment.method not in Payment.Method.values:
        raise errors.InvalidInput(f"Unknown payment method {payment.method!r}.", field="method")
    if payment.amount <= 0:
        raise errors.InvalidInput("The amount must be more than zero.", field="amount")
    if payment.received_at and payment.received_at > clock.now():
        raise errors.InvalidInput(
            "A payment cannot be received in the future.", field="received_at"
        )


def _create(payment: PaymentInput, amount: Decimal, actor: User | None, **target) -> Payment:
    now = clock.now()
    return Payment.objects.create(
        amount=amount,
        method=payment.method,
        received_at=payment.received_at or now,
        reference=payment.reference,
        note=payment.note,
        recorded_by=actor,
        recorded_at=now,
        **target,
    )


def add_payment(p: Pass, payment: PaymentInput, actor: User | None) -> Payment:
    """Record money against a pass whose customer is locked by the caller."""
    _validate(payment)
    if p.amount_paid + payment.amount > MOST_MONEY:
        raise errors.InvalidInput(f"A pass is paid at most {MOST_MONEY:,}.", field="amount")
    p.amount_paid += payment.amount
    p.save(update_fields=["amount_paid"])
    return _create(payment, payment.amount, actor, customer_id=p.customer_id, customer_pass=p)


def add_voucher_payment(voucher: GiftVoucher, payment: PaymentInput, actor: User | None):
    """Record the money for a voucher sold, inside the caller's transaction."""
    _validate(payment)
    if payment.method in NOT_BY_HAND:
        raise errors.InvalidInput("Pay for a voucher with money.", field="method")
    return _create(payment, payment.amount, actor, customer=voucher.sold_to, voucher=voucher)


@dataclass(frozen=True)
class Owed:
    """Something a customer pays for by hand: a pass or a drop-in booking."""

    customer: Customer
    amount: Decimal  # still to pay; never below zero
    what: str  # "this pass", "this drop-in"
    label: str  # for the credit note: "10-class pass (pass 7)"
    record: Callable[[PaymentInput], Payment]  # records money against it


def take_money(
    p: Pass, payment: PaymentInput, actor: User | None, *, excess_to_credit: bool = False
) -> Payment:
    """Money staff received for a pass (at the desk, a sale, the API); its customer is
    locked by the caller."""
    owed = Owed(
        p.customer,
        max(p.price - p.amount_paid, Decimal(0)),
        "this pass",
        f"{p.name} (pass {p.id})",
        lambda pay: add_payment(p, pay, actor),
    )
    return _take(owed, payment, actor, excess_to_credit)


def _take(owed: Owed, payment: PaymentInput, actor: User | None, excess_to_credit: bool):
    """More than is owed is refused, unless staff put the excess on the customer's account
    credit: the thing is paid in full and the rest becomes credit."""
    _validate(payment)
    if payment.method in NOT_BY_HAND:
        raise errors.InvalidInput(NOT_BY_HAND[payment.method], field="method")
    if payment.amount <= owed.amount:
        return owed.record(payment)
    if not excess_to_credit:
        raise errors.MoreThanOwed(
            f"{owed.amount} is owed on {owed.what}: take that, or put the rest on account credit.",
            owed=str(owed.amount),
        )
    excess = payment.amount - owed.amount
    top_up = _create(replace(payment, amount=excess), excess, actor, customer=owed.customer)
    credit.add(owed.customer, excess, f"paid over the price of {owed.label}", actor, top_up)
    return owed.record(replace(payment, amount=owed.amount)) if owed.amount else top_up


@transaction.atomic
def record_payment(
    pass_id: int,
    payment: PaymentInput,
    *,
    excess_to_credit: bool = False,
    actor: User | None = None,
) -> Payment:
    p = locks.pass_for_update(pass_id)
    return take_money(p, payment, actor, excess_to_credit=excess_to_credit)


@transaction.atomic
def refund(pass_id: int, payment: PaymentInput, *, actor: User | None = None) -> Payment:
    """Give money back: stored as a negative payment; never more than was paid."""
    _validate(payment)
    p = locks.pass_for_update(pass_id)
    if payment.amount > p.amount_paid:
        raise errors.RefundExceedsPaid(
            f"At most {p.amount_paid} can be refunded.", maximum=str(p.amount_paid)
        )
    p.amount_paid -= payment.amount
    p.save(update_fields=["amount_paid"])
    return _create(payment, -payment.amount, actor, customer_id=p.customer_id, customer_pass=p)


@transaction.atomic
def record_drop_in_payment(
    booking_id: int,
    payment: PaymentInput,
    *,
    excess_to_credit: bool = False,
    actor: User | None = None,
) -> Payment:
    """Money for a drop-in booking (its price, once); the same rules as for a pass."""
    booking = locks.booking_for_update(booking_id)
    if booking.paid_by != Booking.PaidBy.DROP_IN:
        raise errors.InvalidInput("Only drop-in bookings are paid directly.", field="booking")
    owed = Owed(
        booking.customer,
        max(booking.price - drop_in_paid(booking), Decimal(0)),
        "this drop-in",
        f"a drop-in (booking {booking.id})",
        lambda pay: _create(pay, pay.amount, actor, customer=booking.customer, booking=booking),
    )
    return _take(owed, payment, actor, excess_to_credit)


def drop_in_paid(booking: Booking) -> Decimal:
    return booking.payments.aggregate(paid=Sum("amount"))["paid"] or Decimal(0)


@transaction.atomic
def pay_with_credit(pass_id: int, amount: Decimal, *, actor: User | None = None) -> Payment:
    """Pay (part of) a pass from account credit; the balance never goes below zero."""
    p = locks.pass_for_update(pass_id)
    customer = p.customer
    if amount > p.price - p.amount_paid:
        raise errors.MoreThanOwed(f"{max(p.price - p.amount_paid, 0)} is owed on this pass.")
    available = credit.balance(customer)
    if amount > available:
        raise errors.NotEnoughCredit(f"Account credit is {available}.", available=str(available))
    return spend(customer, p, amount, actor)


def spend(customer: Customer, p: Pass, amount: Decimal, actor: User | None) -> Payment:
    """Pay `amount` of a pass from credit, inside the caller's transaction (customer locked)."""
    payment = add_payment(p, PaymentInput(amount, Payment.Method.ACCOUNT_CREDIT), actor)
    credit.add(customer, -amount, f"spent on {p.name} (pass {p.id})", actor, payment)
    return payment
