from decimal import Decimal

from django.db import models

CREDIT_DIGITS, MONEY_DIGITS = 8, 12
# The largest values the columns hold: a sum past them must be refused, not overflow.
MOST_CREDITS = Decimal(10) ** (CREDIT_DIGITS - 2) - Decimal("0.01")  # 999,999.99
MOST_MONEY = Decimal(10) ** (MONEY_DIGITS - 2) - Decimal("0.01")  # 9,999,999,999.99


def CreditField(**kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    """Credits: decimals with two places ("1.00 CR")."""
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(max_digits=CREDIT_DIGITS, decimal_places=2, **kwargs)


def MoneyField(**kwargs) -> models.DecimalField:  # noqa: N802
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, **kwargs)
