"""Account credit (credit notes): how value moves to a customer without moving a pass."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from passbook import clock
from passbook.models import CreditNote, Customer, Payment, User
from passbook.services import errors, locks


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
