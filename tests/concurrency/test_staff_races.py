"""Two owners who step down at the same moment still leave the studio an owner (PostgreSQL,
real threads; without the locks both would go, and no one could manage staff)."""

import pytest

from passbook.models import User
from passbook.services import staff
from passbook.services.errors import LastOwner
from tests.threads import race_point, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_two_owners_stepping_down_at_once_leave_one_owner(business, locking, monkeypatch):
    # both have checked before either writes
    race_point(monkeypatch, staff, "_update", locking=locking, runs=2, seconds=0.05)
    owners = [
        staff.add(email=f"owner{n}@example.com", role="owner", password=PASSWORD) for n in (1, 2)
    ]

    def step_down(n: int) -> str:
        try:
            staff.change_role(owners[n].id, "manager", actor=owners[n])
        except LastOwner:
            return "refused"
        return "stepped down"

    outcomes = sorted(run_together(2, step_down))
    left = User.objects.filter(role="owner", is_active=True).count()
    if locking:
        assert (outcomes, left) == (["refused", "stepped down"], 1)
    else:
        assert (outcomes, left) == (["stepped down", "stepped down"], 0)
