"""How numbers and days read in messages: '1 month', '3 months', '2.5 credits', '45.00',
'1 June 2026'.

Pure Python, shared by the rules' explanations, the services' history reasons and the pages.
"""

from datetime import date
from decimal import Decimal


def plain(number: Decimal | int) -> str:
    """10.00 -> '10', 2.50 -> '2.5', 7 -> '7'."""
    return f"{Decimal(number):.2f}".rstrip("0").rstrip(".")


def counted(number: Decimal | int, noun: str, plural: str = "") -> str:
    """'1 month', '3 months', '1 pass', '2 passes' (`plural` when adding 's' is wrong)."""
    return f"{plain(number)} {noun if number == 1 else plural or noun + 's'}"


def money(amount: Decimal) -> str:
    """45 -> '45.00': an amount of the studio's currency, as the pages show it."""
    return f"{amount:.2f}"


def long_date(day: date) -> str:
    """'1 June 2026'."""
    return f"{day.day} {day:%B %Y}"


def short_date(day: date) -> str:
    """'1 Jun 2026'."""
    return f"{day.day} {day:%b %Y}"
