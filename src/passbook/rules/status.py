"""A pass's status is derived, never stored (DESIGN.md §2, Status)."""

from datetime import datetime
from enum import StrEnum

from passbook.rules.facts import PassFacts


class PassStatus(StrEnum):
    ACTIVE = "active"
    USED_UP = "used_up"
    EXPIRED = "expired"
    NOT_STARTED = "not_started"
    VOIDED = "voided"

    @property
    def label(self) -> str:
        return self.replace("_", " ").capitalize()


def pass_status(p: PassFacts, now: datetime) -> PassStatus:
    if p.voided:
        return PassStatus.VOIDED
    if p.expires_at is not None and now > p.expires_at:
        return PassStatus.EXPIRED
    if p.starts_at is None or now < p.starts_at:
        return PassStatus.NOT_STARTED
    if p.remaining is not None and p.remaining <= 0:
        return PassStatus.USED_UP
    return PassStatus.ACTIVE
