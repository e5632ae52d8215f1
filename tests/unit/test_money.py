from decimal import Decimal

import pytest

from passbook.rules.money import PaymentStatus, payment_status


@pytest.mark.parametrize(
    ("price", "paid", "status", "label"),
    [
        ("200", "200", PaymentStatus.PAID, "Fully paid"),
        ("200", "250", PaymentStatus.PAID, "Fully paid"),
        ("200", "50", PaymentStatus.PARTLY_PAID, "Partly paid"),
        ("200", "0", PaymentStatus.UNPAID, "Unpaid"),
        ("0", "0", PaymentStatus.PAID, "Fully paid"),  # a free pass owes nothing
    ],
)
def test_payment_status_from_payments_against_price(price, paid, status, label):
    result = payment_status(Decimal(price), Decimal(paid))
    assert result is status and result.label == label
