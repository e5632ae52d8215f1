"""Counters are the fold of the ledger."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from passbook.rules.history import lines, priority_reason
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


def test_each_entry_reads_as_a_change_from_the_fold_before_it():
    utc = at(2026, 1, 1).tzinfo
    entries = [
        (Entry(EntryKind.GRANT, D("10")), "pass issued"),  # starts on first booking
        (Entry(EntryKind.VALIDITY, None, at(2026, 12, 3), at(2027, 3, 2, 23, 59)), "started"),
        (Entry(EntryKind.HOLD, D("1")), ""),
        (Entry(EntryKind.SET_TOTAL, None), "unlimited now"),
        (Entry(EntryKind.RELEASE, D("1")), "cancelled in time"),
        (Entry(EntryKind.SET_TOTAL, D("8")), ""),
        (Entry(EntryKind.ADJUST, D("-1")), "correction"),
        (Entry(EntryKind.FORFEIT, D("7")), "expired with credits left"),
        (Entry(EntryKind.PRIORITY, D("-2")), priority_reason(0, -2, "use last: a gift")),
        (Entry(EntryKind.VOID), "refunded"),
    ]
    assert [(x.label, x.change, x.why) for x in lines(entries, utc)] == [
        ("Issued", "10 credits; starts on first booking, expires never", "pass issued"),
        (
            "Validity changed",
            "starts on first booking → 3 Dec 2026, expires never → 2 Mar 2027",
            "started",
        ),
        ("Booked", "1 credit (9 left)", ""),
        ("Total changed", "10 credits → unlimited", "unlimited now"),
        ("Released", "1 credit", "cancelled in time"),
        ("Total changed", "unlimited → 8 credits", ""),
        ("Credits removed", "8 → 7 credits", "correction"),
        ("Forfeited at expiry", "7 credits", "expired with credits left"),
        ("Priority changed", "0 → -2", "use last: a gift"),
        ("Voided", "", "refunded"),
    ]
