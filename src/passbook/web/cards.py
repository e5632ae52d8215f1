"""A pass as a card (Reservie's "My passes"), for staff and customers alike."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from passbook.models import Pass
from passbook.rules.money import PaymentStatus, payment_status
from passbook.rules.status import PassStatus, pass_status
from passbook.rules.wording import counted, plain
from passbook.services.facts import pass_facts


@dataclass(frozen=True)
class PassCard:
    pass_: Pass
    status: PassStatus
    payment: PaymentStatus
    percent: int  # share of the credits booked or used

    @property
    def credits(self) -> str:
        total, left = self.pass_.total, self.pass_.remaining
        if total is None or left is None:  # both are, on an unlimited pass
            return "Unlimited"
        return f"{plain(left)} of {counted(total, 'credit')}"


def card(p: Pass, now: datetime) -> PassCard:
    percent = 0
    if p.total:
        percent = min(100, int(((p.held + p.used) / p.total * 100).quantize(Decimal("1"))))
    return PassCard(
        p, pass_status(pass_facts(p), now), payment_status(p.price, p.amount_paid), percent
    )
