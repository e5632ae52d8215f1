"""The database filters in queries.py select exactly the passes that rules/ classify that
way: every status and payment status, for random passes, including the edges of a day in
the business's time zone and the very instant a pass starts or expires."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passbook.models import Pass
from passbook.queries import filter_passes
from passbook.rules.calendar import end_of_day, start_of_day
from passbook.rules.money import PaymentStatus, payment_status
from passbook.rules.status import PassStatus, pass_status
from passbook.services.facts import pass_facts
from tests.conftest import SYDNEY
from tests.factories import CustomerFactory, ProductFactory

NOW = datetime(2027, 4, 4, 23, 59, 59, 999999, tzinfo=SYDNEY)  # the last instant of a day
TODAY = NOW.date()
TICK = timedelta(microseconds=1)
# Instants where a rule could tip over: now itself, a microsecond either side, the edges of
# today, yesterday and tomorrow in Sydney, and UTC's midnight.
EDGES = [
    NOW,
    NOW - TICK,
    NOW + TICK,
    *(start_of_day(TODAY + timedelta(days=d), SYDNEY) for d in (-1, 0, 1)),
    *(end_of_day(TODAY + timedelta(days=d), SYDNEY) for d in (-1, 0, 1)),
    datetime.combine(NOW.astimezone(UTC).date(), time.min, tzinfo=UTC),
    NOW - timedelta(days=40),
    NOW + timedelta(days=40),
]
CREDITS = st.sampled_from([Decimal(n) for n in ("0", "1", "2.5", "3", "10")])
MONEY = st.sampled_from([Decimal(n) for n in ("0", "0.01", "49.99", "50", "50.01", "100")])


@st.composite
def passes(draw) -> dict:
    total = draw(st.none() | CREDITS)
    used = draw(CREDITS) if total is None else draw(st.sampled_from(_upto(total)))
    room = None if total is None else total - used
    held = draw(CREDITS) if room is None else draw(st.sampled_from(_upto(room)))
    return {
        "total": total,
        "held": held,
        "used": used,
        "starts_at": draw(st.none() | st.sampled_from(EDGES)),
        "expires_at": draw(st.none() | st.sampled_from(EDGES)),
        "voided_at": draw(st.none() | st.just(NOW - timedelta(days=1))),
        "price": draw(MONEY),
        "amount_paid": draw(MONEY),
    }


def _upto(limit: Decimal) -> list[Decimal]:
    return [c for c in (Decimal(n) for n in ("0", "1", "2.5", "3", "10")) if c <= limit]


@pytest.fixture
def owner(business):
    business.time_zone = "Australia/Sydney"
    business.save()
    return CustomerFactory(), ProductFactory()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(passes(), min_size=1, max_size=12))
def test_every_status_and_payment_filter_selects_what_the_rules_say(owner, rows):
    customer, product = owner
    with transaction.atomic():
        made = Pass.objects.bulk_create(
            Pass(
                customer=customer,
                product=product,
                name="p",
                start_rule="purchase",
                purchased_at=NOW - timedelta(days=50),
                **row,
            )
            for row in rows
        )
        everything = Pass.objects.filter(id__in=[p.id for p in made])
        for status in PassStatus:
            expected = {p.id for p in everything if pass_status(pass_facts(p), NOW) == status}
            assert _ids(filter_passes(everything, NOW, status=status)) == expected, status
        for paid in PaymentStatus:
            expected = {p.id for p in everything if payment_status(p.price, p.amount_paid) == paid}
            assert _ids(filter_passes(everything, NOW, payment=paid)) == expected, paid
        transaction.set_rollback(True)


def _ids(qs) -> set[int]:
    return set(qs.values_list("id", flat=True))
