"""Which pass pays, and why each other pass did not (DESIGN.md §2, the spend rule)."""

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from passbook.rules.calendar import Validity, ValidityUnit
from passbook.rules.spend import ReasonCode, SpendOrder, choose, disqualification, explain
from tests.unit.helpers import MAT, PILATES, YOGA, a_pass, a_session, at

UTC = ZoneInfo("UTC")
OLDEST, SOONEST = SpendOrder.OLDEST_PURCHASE, SpendOrder.SOONEST_EXPIRY
MONDAY_CLASS = a_session((2026, 3, 2, 9))  # Monday 2 March 2026


def codes(passes, session=MONDAY_CLASS, order=OLDEST):
    return {v.pass_id: v.code for v in explain(passes, session, UTC, order)}


def test_oldest_purchase_pays_first_by_default():
    older = a_pass(1, purchased=(2026, 1, 5))
    newer = a_pass(2, purchased=(2026, 2, 1))
    assert choose([newer, older], MONDAY_CLASS, UTC, OLDEST) == older
    assert codes([newer, older]) == {1: ReasonCode.CHOSEN, 2: ReasonCode.SPEND_ORDER}


def test_soonest_expiry_first_when_the_business_says_so():
    older_long = a_pass(1, purchased=(2026, 1, 5), expires=(2026, 12, 31))
    newer_short = a_pass(2, purchased=(2026, 2, 1), expires=(2026, 3, 31))
    assert choose([older_long, newer_short], MONDAY_CLASS, UTC, SOONEST) == newer_short


def test_a_pass_that_never_expires_goes_last_under_soonest_expiry():
    forever = a_pass(1, expires=None)
    dated = a_pass(2, purchased=(2026, 2, 1), expires=(2026, 12, 31))
    assert choose([forever, dated], MONDAY_CLASS, UTC, SOONEST) == dated


def test_higher_priority_beats_spend_order():
    general = a_pass(1, purchased=(2026, 1, 1), name="10-class pass")
    pilates_only = a_pass(
        2,
        purchased=(2026, 2, 1),
        priority=1,
        category_ids=frozenset({PILATES}),
        restriction_label="Pilates",
        name="Pilates pass",
    )
    pilates_class = a_session(category=PILATES, class_type=MAT)
    verdicts = {v.pass_id: v for v in explain([general, pilates_only], pilates_class, UTC, OLDEST)}
    assert verdicts[2].chosen
    assert verdicts[1].code is ReasonCode.LOWER_PRIORITY
    assert verdicts[1].message == "lower priority than Pilates pass"


def test_lowest_id_breaks_a_full_tie():
    twins = [a_pass(7), a_pass(3)]
    assert choose(twins, MONDAY_CLASS, UTC, OLDEST).id == 3


def test_restricted_pass_explains_its_restriction():
    p = a_pass(category_ids=frozenset({PILATES}), restriction_label="Pilates")
    [v] = explain([p], MONDAY_CLASS, UTC, OLDEST)
    assert (v.code, v.message) == (ReasonCode.NOT_ELIGIBLE, "restricted to Pilates")


def test_a_pass_restricted_to_a_class_type_pays_for_that_type_only():
    p = a_pass(class_type_ids=frozenset({MAT}))
    assert disqualification(p, a_session(category=PILATES, class_type=MAT), UTC) is None
    assert disqualification(p, MONDAY_CLASS, UTC).code is ReasonCode.NOT_ELIGIBLE


def test_not_started_and_expired_name_their_dates():
    later = a_pass(1, starts=(2026, 7, 3))
    gone = a_pass(2, expires=(2026, 6, 1, 23, 59))
    july = a_session((2026, 6, 20, 9))
    verdicts = {v.pass_id: v.message for v in explain([later, gone], july, UTC, OLDEST)}
    assert verdicts == {1: "starts 3 July 2026", 2: "expired 1 June 2026"}


def test_a_last_day_still_to_come_is_not_called_expired():
    until_march = a_pass(expires=(2027, 3, 31, 23, 59, 59))
    april = a_session((2027, 4, 14, 9), asked=at(2026, 12, 2, 10))
    v = disqualification(until_march, april, UTC)
    assert (v.code, v.message) == (
        ReasonCode.EXPIRED,
        "expires 31 March 2027, before this session",
    )
    assert v.details == {"expires_on": "2027-03-31"}
    asked_in_april = replace(april, asked_at=at(2027, 4, 1, 9))
    assert disqualification(until_march, asked_in_april, UTC).message == "expired 31 March 2027"


def test_credits_must_cover_the_session_cost():
    assert codes([a_pass(total="10", held="5", used="5")]) == {1: ReasonCode.NO_CREDITS}
    half = a_pass(total="10", used="9.5")
    assert disqualification(half, a_session(cost="0.5"), UTC) is None
    v = disqualification(half, a_session(cost="1"), UTC)
    assert (v.code, v.message) == (ReasonCode.NO_CREDITS, "not enough credits left")


def test_a_free_session_needs_no_credits():
    assert disqualification(a_pass(total="1", used="1"), a_session(cost="0"), UTC) is None


def test_voided_is_the_first_reason():
    p = a_pass(voided=True, category_ids=frozenset({PILATES}))
    assert codes([p]) == {1: ReasonCode.VOIDED}


def test_unlimited_pass_daily_cap():
    monday = date(2026, 3, 2)
    capped = a_pass(total=None, max_per_day=1, booked_days=(monday,))
    v = disqualification(capped, MONDAY_CLASS, UTC)
    assert (v.code, v.message) == (ReasonCode.DAILY_LIMIT, "daily limit reached (1 a day)")
    assert disqualification(capped, a_session((2026, 3, 3, 9)), UTC) is None


def test_unlimited_pass_weekly_cap_counts_the_iso_week():
    capped = a_pass(
        total=None, max_per_week=2, booked_days=(date(2026, 3, 2), date(2026, 3, 4))
    )  # Mon, Wed
    assert disqualification(capped, a_session((2026, 3, 8, 9)), UTC).code is ReasonCode.WEEKLY_LIMIT
    assert disqualification(capped, a_session((2026, 3, 9, 9)), UTC) is None  # next Monday


def test_caps_count_days_in_the_business_zone():
    sydney = ZoneInfo("Australia/Sydney")
    # 1 March 14:00 UTC is 2 March 01:00 in Sydney: the same local day as the class.
    capped = a_pass(total=None, max_per_day=1, booked_days=(date(2026, 3, 2),))
    late_night = a_session((2026, 3, 1, 14), tz=UTC)
    assert disqualification(capped, late_night, sydney).code is ReasonCode.DAILY_LIMIT
    assert disqualification(capped, late_night, UTC) is None


def test_a_first_booking_pass_starts_at_the_session_and_always_covers_it():
    p = a_pass(starts=None, expires=None, validity=Validity(ValidityUnit.DAYS, 14))
    assert disqualification(p, a_session((2027, 5, 1, 9)), UTC) is None


def test_a_first_booking_pass_with_a_fixed_last_day_still_expires():
    p = a_pass(
        starts=None, expires=(2026, 4, 30, 23, 59), validity=Validity(until=date(2026, 4, 30))
    )
    assert disqualification(p, a_session((2026, 5, 1, 9)), UTC).code is ReasonCode.EXPIRED


def test_soonest_expiry_uses_the_expiry_a_first_booking_pass_would_get():
    waiting = a_pass(
        1,
        purchased=(2026, 2, 1),
        starts=None,
        expires=None,
        validity=Validity(ValidityUnit.DAYS, 7),
    )
    long = a_pass(2, purchased=(2026, 1, 1), expires=(2026, 12, 31))
    assert choose([long, waiting], MONDAY_CLASS, UTC, SOONEST) == waiting


def test_no_candidate_means_no_choice_and_every_pass_explained():
    passes = [a_pass(1, total="1", used="1"), a_pass(2, voided=True)]
    assert choose(passes, MONDAY_CLASS, UTC, OLDEST) is None
    assert [v.code for v in explain(passes, MONDAY_CLASS, UTC, OLDEST)] == [
        ReasonCode.NO_CREDITS,
        ReasonCode.VOIDED,
    ]


pass_strategy = st.builds(
    lambda i, total, used, prio, days, voided, pilates: replace(
        a_pass(
            i,
            total=total,
            used=str(min(used, int(total)) if total else used),
            priority=prio,
            purchased=(2026, 1, 1 + days),
            voided=voided,
            category_ids=frozenset({PILATES}) if pilates else frozenset(),
        )
    ),
    st.integers(1, 10**6),
    st.sampled_from([None, "0", "1", "5"]),
    st.integers(0, 5),
    st.integers(0, 2),
    st.integers(0, 27),
    st.booleans(),
    st.booleans(),
)


@given(
    st.lists(pass_strategy, max_size=8, unique_by=lambda p: p.id), st.sampled_from(list(SpendOrder))
)
def test_the_chosen_pass_can_pay_and_no_eligible_pass_ranks_above_it(passes, order):
    session = a_session(category=YOGA)
    chosen = choose(passes, session, UTC, order)
    eligible = [p for p in passes if disqualification(p, session, UTC) is None]
    if chosen is None:
        assert eligible == []
        return
    assert disqualification(chosen, session, UTC) is None
    assert max(p.priority for p in eligible) == chosen.priority
    verdicts = explain(passes, session, UTC, order)
    assert len(verdicts) == len(passes) and sum(v.chosen for v in verdicts) == 1


def test_explanations_keep_the_callers_order():
    passes = [a_pass(5), a_pass(2), a_pass(9)]
    assert [v.pass_id for v in explain(passes, MONDAY_CLASS, UTC, OLDEST)] == [5, 2, 9]


def test_a_pass_starting_tomorrow_cannot_pay_today_but_can_at_midnight():
    p = a_pass(starts=(2026, 3, 3))
    v = disqualification(p, MONDAY_CLASS, UTC)
    assert v.code is ReasonCode.NOT_STARTED and v.details == {"starts_on": "2026-03-03"}
    assert disqualification(p, a_session((2026, 3, 3, 0, 0)), UTC) is None


def test_a_frozen_pass_cannot_pay_inside_its_freeze():
    frozen = a_pass(frozen=((date(2026, 3, 1), date(2026, 3, 7)),))
    v = disqualification(frozen, MONDAY_CLASS, UTC)
    assert (v.code, v.message) == (ReasonCode.FROZEN, "frozen until 7 March 2026")
    assert disqualification(frozen, a_session((2026, 3, 8, 9)), UTC) is None
