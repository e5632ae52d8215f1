"""Payments and refunds against a pass or a drop-in booking."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from passbook import clock
from passbook.models import Booking, GiftVoucher, Pass, Payment, User
from passbook.models.fields import MOST_MONEY
from passbook.services import errors, locks


@dataclass(frozen=True)
class PaymentInput:
    amount: Decimal
    method: str
    received_at: datetime | None = None
    reference: str = ""
    note: str = ""


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
    if payment.method in {Payment.Method.VOUCHER, Payment.Method.ACCOUNT_CREDIT}:
        raise errors.InvalidInput("Pay for a voucher with money.", field="method")
    return _create(payment, payment.amount, actor, customer=voucher.sold_to, voucher=voucher)


@transaction.atomic
def record_payment(pass_id: int, payment: PaymentInput, *, actor: User | None = None) -> Payment:
    return add_payment(locks.pass_for_update(pass_id), payment, actor)


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
    booking_id: int, payment: PaymentInput, *, actor: User | None = None
) -> Payment:
    _validate(payment)
    booking = locks.booking_for_update(booking_id)
    if booking.paid_by != Booking.PaidBy.DROP_IN:
        raise errors.InvalidInput("Only drop-in bookings are paid directly.", field="booking")
    return _create(payment, payment.amount, actor, customer_id=booking.customer_id, booking=booking)
