"""Payment status, derived from payments against price."""

from decimal import Decimal
from enum import StrEnum


class PaymentStatus(StrEnum):
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    UNPAID = "unpaid"

    @property
    def label(self) -> str:
        return {"paid": "Fully paid", "partly_paid": "Partly paid", "unpaid": "Unpaid"}[self]


def payment_status(price: Decimal, paid: Decimal) -> PaymentStatus:
    if paid >= price:
        return PaymentStatus.PAID
    if paid > 0:
        return PaymentStatus.PARTLY_PAID
    return PaymentStatus.UNPAID
