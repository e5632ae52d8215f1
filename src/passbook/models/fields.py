from decimal import Decimal

from django.db import models


def CreditField(**kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    """Credits: decimals with two places ("1.00 CR")."""
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(max_digits=8, decimal_places=2, **kwargs)


def MoneyField(**kwargs) -> models.DecimalField:  # noqa: N802
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)
