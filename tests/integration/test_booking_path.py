"""The lean booking path (docs/benchmarks.md, round 5): its shortcuts read what the long
way reads, and a booking by someone on no waitlist sends only the design's statements."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from passbook import clock
from passbook.models import Pass, PassFreeze
from passbook.services import bookings, waitlists
from passbook.services.facts import live_passes, with_freeze_flag
from tests.factories import CustomerFactory, SessionFactory
from tests.integration.helpers import sell

# Both locks, the live bookings and waitlists, the settings, the live passes, the booking,
# the counters, the ledger entry, the outbox row (the bench's `design` statements).
DESIGN_STATEMENTS = 9


def test_live_passes_are_the_querysets_passes(business, customer, ten_pack):
    kept, voided, frozen = (sell(customer, ten_pack) for _ in range(3))
    sell(CustomerFactory(), ten_pack)  # someone else's
    Pass.objects.filter(pk=voided.pk).update(voided_at=clock.now())
    today = clock.now().date()
    PassFreeze.objects.create(
        customer_pass=frozen,
        starts_on=today,
        ends_on=today + timedelta(days=7),
        reason="away",
        created_at=clock.now(),
    )
    slow = with_freeze_flag(Pass.objects.filter(customer=customer, voided_at__isnull=True))
    lean = live_passes(customer.id)
    assert [(p.id, bool(p.has_freezes)) for p in lean] == [(kept.id, False), (frozen.id, True)]
    assert [(p.id, p.has_freezes) for p in slow] == [(p.id, bool(p.has_freezes)) for p in lean]
    assert all(isinstance(p.total, type(kept.total)) for p in lean)


def test_a_booking_by_someone_not_waiting_sends_the_design_statements(
    business, customer, ten_pack, session
):
    sell(customer, ten_pack)
    with CaptureQueriesContext(connection) as ctx:
        bookings.book(customer.id, session.id)
    sent = [q["sql"] for q in ctx.captured_queries]
    assert len([s for s in sent if "SAVEPOINT" not in s]) == DESIGN_STATEMENTS


def test_someone_waiting_still_stops_waiting_once_booked(business, customer, ten_pack):
    full = SessionFactory(capacity=1)
    sell(customer, ten_pack)
    other = CustomerFactory()
    sell(other, ten_pack)
    bookings.book(other.id, full.id)
    entry = waitlists.join(customer.id, full.id)
    at_the_same_time = SessionFactory(
        class_type=full.class_type, starts_at=full.starts_at, ends_at=full.ends_at
    )
    bookings.book(customer.id, at_the_same_time.id)
    entry.refresh_from_db()
    assert entry.status == entry.Status.BOOKED_ELSEWHERE
