"""Account credit (credit notes): how value moves to a customer without moving a pass."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from passbook import clock
from passbook.models import CreditNote, Customer, Pass, Payment, User
from passbook.services import errors, locks
from passbook.services.payments import PaymentInput, add_payment


def balance(customer: Customer) -> Decimal:
    total = CreditNote.objects.filter(customer=customer).aggregate(
        total=Sum("amount", default=Decimal("0"))
    )["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def add(
    customer: Customer,
    amount: Decimal,
    reason: str,
    actor: User | None,
    payment: Payment | None = None,
) -> CreditNote:
    """Inside the caller's transaction, with the customer locked."""
    return CreditNote.objects.create(
        customer=customer,
        amount=amount,
        reason=reason,
        payment=payment,
        created_at=clock.now(),
        created_by=actor,
    )


@transaction.atomic
def issue(
    customer_id: int, amount: Decimal, *, reason: str, actor: User | None = None
) -> CreditNote:
    """Staff give account credit, with a reason."""
    if amount <= 0:
        raise errors.InvalidInput("Credit must be more than zero.", field="amount")
    if not reason.strip():
        raise errors.InvalidInput("Give a reason for the credit.", field="reason")
    return add(locks.customer(customer_id), amount, reason.strip(), actor)


@transaction.atomic
def pay_with_credit(pass_id: int, amount: Decimal, *, actor: User | None = None) -> Payment:
    """Pay (part of) a pass from account credit; the balance never goes below zero."""
    p = locks.pass_for_update(pass_id)
    customer = p.customer
    if amount > p.price - p.amount_paid:
        raise errors.MoreThanOwed(f"{max(p.price - p.amount_paid, 0)} is owed on this pass.")
    if amount > balance(customer):
        raise errors.NotEnoughCredit(
            f"Account credit is {balance(customer)}.", available=str(balance(customer))
        )
    return spend(customer, p, amount, actor)


def spend(customer: Customer, p: Pass, amount: Decimal, actor: User | None) -> Payment:
    """Pay `amount` of a pass from credit, inside the caller's transaction (customer locked)."""
    payment = add_payment(p, PaymentInput(amount, Payment.Method.ACCOUNT_CREDIT), actor)
    add(customer, -amount, f"spent on {p.name} (pass {p.id})", actor, payment)
    return payment
