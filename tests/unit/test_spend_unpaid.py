"""The studio's policy for unpaid passes, as the spend rule applies it (reason `unpaid`)."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from passbook.rules.spend import ReasonCode, SpendOrder, disqualification, explain
from tests.unit.helpers import a_pass, a_session

UTC = ZoneInfo("UTC")
MONDAY_CLASS = a_session((2026, 3, 2, 9))
OWED = Decimal("45")
OLDEST = SpendOrder.OLDEST_PURCHASE


def verdict(p):
    return disqualification(p, MONDAY_CLASS, UTC)


def test_an_unpaid_pass_is_usable_as_usual_by_default():
    assert verdict(a_pass(owed=OWED, live_bookings=30)) is None


def test_on_hold_until_paid_names_the_amount_owed():
    v = verdict(a_pass(owed=OWED, unpaid_limit=0))
    assert (v.code, v.message) == (ReasonCode.UNPAID, "on hold until paid (45.00 owed)")
    assert v.details == {"owed": "45"}


def test_limited_to_n_bookings_while_unpaid():
    assert verdict(a_pass(owed=OWED, unpaid_limit=2, live_bookings=1)) is None
    v = verdict(a_pass(owed=Decimal("12.50"), unpaid_limit=2, live_bookings=2))
    assert (v.code, v.message) == (
        ReasonCode.UNPAID,
        "only 2 sessions may be booked while unpaid (12.50 owed)",
    )
    assert v.details == {"owed": "12.50", "limit": "2"}


def test_one_session_reads_in_the_singular():
    v = verdict(a_pass(owed=OWED, unpaid_limit=1, live_bookings=1))
    assert v.message == "only 1 session may be booked while unpaid (45.00 owed)"


def test_a_paid_pass_ignores_the_policy():
    """Free passes and voucher-paid passes owe nothing, so they are never held."""
    assert verdict(a_pass(owed=Decimal(0), unpaid_limit=0, live_bookings=5)) is None


def test_a_reason_paying_would_not_fix_comes_first():
    spent = a_pass(total="5", used="5", owed=OWED, unpaid_limit=0)
    assert verdict(spent).code is ReasonCode.NO_CREDITS
    voided = a_pass(voided=True, owed=OWED, unpaid_limit=0)
    assert verdict(voided).code is ReasonCode.VOIDED


def test_a_held_pass_lets_the_next_pass_pay():
    held = a_pass(1, owed=OWED, unpaid_limit=0)
    paid = a_pass(2, purchased=(2026, 2, 1))
    codes = {v.pass_id: v.code for v in explain([held, paid], MONDAY_CLASS, UTC, OLDEST)}
    assert codes == {1: ReasonCode.UNPAID, 2: ReasonCode.CHOSEN}


@given(
    owed=st.decimals(min_value=0, max_value=500, places=2),
    limit=st.none() | st.integers(0, 5),
    booked=st.integers(0, 8),
)
def test_unpaid_only_when_money_is_owed_and_the_limit_is_reached(owed, limit, booked):
    v = verdict(a_pass(total=None, owed=owed, unpaid_limit=limit, live_bookings=booked))
    blocked = owed > 0 and limit is not None and booked >= limit
    assert (v is not None and v.code is ReasonCode.UNPAID) == blocked
    assert v is None or v.code is ReasonCode.UNPAID
