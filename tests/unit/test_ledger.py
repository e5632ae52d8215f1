"""Counters are the fold of the ledger."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from passbook.rules.ledger import Counters, Entry, EntryKind, apply, fold
from tests.unit.helpers import at

D = Decimal


def test_a_booking_life_cycle():
    counters = fold(
        [
            Entry(EntryKind.GRANT, D("10"), at(2026, 1, 1), at(2026, 3, 31)),
            Entry(EntryKind.HOLD, D("1")),
            Entry(EntryKind.HOLD, D("1")),
            Entry(EntryKind.CONSUME, D("1")),
            Entry(EntryKind.RELEASE, D("1")),
            Entry(EntryKind.ADJUST, D("2")),
        ]
    )
    assert (counters.total, counters.held, counters.used) == (D("12"), D("0"), D("1"))
    assert counters.remaining == D("11")
    assert counters.starts_at == at(2026, 1, 1)


def test_set_total_to_none_makes_a_pass_unlimited_and_back():
    unlimited = fold([Entry(EntryKind.GRANT, D("5")), Entry(EntryKind.SET_TOTAL, None)])
    assert unlimited.total is None and unlimited.remaining is None
    assert apply(unlimited, Entry(EntryKind.SET_TOTAL, D("8"))).total == D("8")


def test_undo_check_in_reverses_consume():
    start = Counters(total=D("5"), held=D("1"))
    after = apply(
        apply(start, Entry(EntryKind.CONSUME, D("1"))), Entry(EntryKind.UNCONSUME, D("1"))
    )
    assert after == start


def test_validity_void_and_forfeit():
    c = fold(
        [
            Entry(EntryKind.GRANT, D("5")),
            Entry(EntryKind.FORFEIT, D("5")),
            Entry(EntryKind.VALIDITY, None, at(2026, 2, 1), at(2026, 9, 1)),
            Entry(EntryKind.VOID),
        ]
    )
    assert c.total == D("5") and c.voided and c.expires_at == at(2026, 9, 1)


amounts = st.decimals(min_value=D("0.25"), max_value=D("3"), places=2)


@given(st.lists(st.tuples(st.sampled_from(["hold", "release", "consume"]), amounts)))
def test_folding_is_applying_one_entry_at_a_time(steps):
    entries = [Entry(EntryKind.GRANT, D("100"))] + [Entry(EntryKind(k), a) for k, a in steps]
    running = Counters()
    for e in entries:
        running = apply(running, e)
    assert fold(entries) == running
    assert running.total - running.held - running.used == running.remaining
