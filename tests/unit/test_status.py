"""A pass's status is derived from its facts at a moment (DESIGN.md §2, Status)."""

from passbook.rules.status import PassStatus, pass_status
from tests.unit.helpers import a_pass, at

NOW = at(2026, 6, 1, 12)


def test_a_pass_with_credits_inside_its_window_is_active():
    assert pass_status(a_pass(), NOW) is PassStatus.ACTIVE


def test_voided_wins_over_everything():
    assert pass_status(a_pass(voided=True, expires=(2026, 1, 2)), NOW) is PassStatus.VOIDED


def test_expired_regardless_of_remaining_credits():
    assert pass_status(a_pass(expires=(2026, 5, 31, 23, 59)), NOW) is PassStatus.EXPIRED


def test_expired_wins_over_used_up():
    p = a_pass(total="5", used="5", expires=(2026, 5, 31))
    assert pass_status(p, NOW) is PassStatus.EXPIRED


def test_not_started_before_its_start():
    assert pass_status(a_pass(starts=(2026, 7, 1)), NOW) is PassStatus.NOT_STARTED


def test_a_pass_waiting_for_its_first_booking_is_not_started():
    assert pass_status(a_pass(starts=None), NOW) is PassStatus.NOT_STARTED


def test_used_up_counts_held_and_used_credits():
    assert pass_status(a_pass(total="10", held="4", used="6"), NOW) is PassStatus.USED_UP


def test_unlimited_is_never_used_up():
    assert pass_status(a_pass(total=None, used="500"), NOW) is PassStatus.ACTIVE


def test_labels_read_like_the_ui():
    assert [s.label for s in PassStatus] == [
        "Active",
        "Used up",
        "Expired",
        "Not started",
        "Voided",
    ]
