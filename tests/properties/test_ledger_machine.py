"""A stateful property test: random sequences of real service calls, checked against a
simple model and the invariants after every step (DESIGN.md §3).

Each step is a service call: sell, book, cancel (in time or late), check in, undo,
no-show, top-up, set total, extend, expire (dates moved into the past), void, and join,
leave and promote on waitlists (a cancel or void promotes by itself; a late cancel may
offer the place instead), and claim, decline or let lapse an offered place. Some runs
hold a credit while waiting (Business.waitlist_holds_credit). After every step: every
pass agrees with its ledger, no counted pass is below zero, no session is over capacity
(offered places count), each pass's held and used equal what its bookings and the credits
held for waitlists say, totals match the model, a refused call changed nothing, nobody
is promoted into two overlapping sessions, every promotion has its booking, and every
offer has a cut-off no later than the session's start.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from passbook import clock
from passbook.models import Booking, Business, Pass, Session, WaitlistEntry
from passbook.services import bookings, passes, waitlists
from passbook.services.errors import DomainError
from passbook.services.verify import problems
from tests.factories import ClassTypeFactory, CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import fingerprint

S = Booking.Status
USED = {S.ATTENDED, S.LATE_CANCELLED, S.NO_SHOW}  # the business consumes on late/no-show


class Studio(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # each run starts from the fixture's data and rolls back
        self.now = clock.now()
        yoga = ClassTypeFactory()
        self.customers = CustomerFactory.create_batch(3)
        self.products = [
            ProductFactory(credits=3),
            ProductFactory(credits=None),
            ProductFactory(credits=Decimal("1.5")),
        ]
        self.sessions = [
            SessionFactory(
                class_type=yoga,
                capacity=2,
                starts_at=self.now + timedelta(days=d, hours=h),
                ends_at=self.now + timedelta(days=d, hours=h + 1),
            )
            for d, h in [(1, 0), (1, 3), (2, 0), (3, 5)]
        ]
        # overlaps the first: a promotion into one must take the customer off the other's list
        self.sessions.append(
            SessionFactory(
                class_type=yoga,
                capacity=1,
                starts_at=self.sessions[0].starts_at + timedelta(minutes=30),
                ends_at=self.sessions[0].ends_at + timedelta(minutes=30),
            )
        )
        self.totals: dict[int, Decimal | None] = {}  # the model: what each total should be
        # Everyone starts with a pass, so that classes fill and waitlists form within a run.
        for customer, product in zip(self.customers, self.products, strict=True):
            self.totals[passes.sell(customer.id, product.id).id] = product.credits

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _attempt(self, action, moment=None) -> bool:
        """Run a service call; if it is refused, the database must be unchanged."""
        before = fingerprint()
        try:
            with clock.at(moment or self.now):
                action()
            return True
        except DomainError:
            assert fingerprint() == before, "a refused call changed something"
            return False

    def _passes(self):
        return list(Pass.objects.order_by("id"))

    def _bookings(self, *statuses):
        return list(Booking.objects.filter(status__in=statuses).order_by("id"))

    @initialize(
        late_ok=st.lists(st.booleans(), min_size=2, max_size=2),
        freed=st.booleans(),
        holds_credit=st.booleans(),
    )
    def a_full_class_with_a_queue(self, late_ok, freed, holds_credit):
        """The one-place class is taken and the others wait (opted in to late places or
        not), so that every run has places to promote into, offer and claim; `freed`: its
        place is freed at once, late (offered to the first in line, or given if they
        opted in); `holds_credit`: the studio holds a credit while waiting."""
        business = Business.current()
        business.waitlist_holds_credit = holds_credit
        business.save()
        full = self.sessions[4]
        first, *others = self.customers
        taken = bookings.book(first.id, full.id)
        for customer, ok in zip(others, late_ok, strict=True):
            waitlists.join(customer.id, full.id, late_ok=ok)
        if freed:
            with clock.at(full.starts_at - timedelta(hours=1)):
                bookings.cancel(taken.id)

    # -- rules ---------------------------------------------------------------------------

    @rule(c=st.integers(0, 2), p=st.integers(0, 2), with_sessions=st.booleans())
    def sell(self, c, p, with_sessions):
        ids = [self.sessions[0].id, self.sessions[2].id] if with_sessions else []
        sold = []
        if self._attempt(
            lambda: sold.append(
                passes.sell(self.customers[c].id, self.products[p].id, session_ids=ids)
            )
        ):
            self.totals[sold[0].id] = self.products[p].credits

    @rule(c=st.integers(0, 2), s=st.integers(0, 4))
    def book(self, c, s):
        self._attempt(lambda: bookings.book(self.customers[c].id, self.sessions[s].id))

    @rule(i=st.integers(0, 50), late=st.booleans())
    def cancel(self, i, late):
        live = self._bookings(S.BOOKED)
        if live:
            b = live[i % len(live)]
            moment = b.session.starts_at - timedelta(hours=1) if late else None
            self._attempt(lambda: bookings.cancel(b.id), moment)

    @rule(c=st.integers(0, 2), s=st.integers(0, 4), late_ok=st.booleans())
    def join_waitlist(self, c, s, late_ok):
        self._attempt(
            lambda: waitlists.join(self.customers[c].id, self.sessions[s].id, late_ok=late_ok)
        )

    def _waiting(self):
        return list(WaitlistEntry.objects.filter(status="waiting").order_by("id"))

    @rule(i=st.integers(0, 50))
    def leave_waitlist(self, i):
        waiting = self._waiting()
        if waiting:
            self._attempt(lambda: waitlists.leave(waiting[i % len(waiting)].id))

    @rule(i=st.integers(0, 50))
    def promote(self, i):
        waiting = self._waiting()
        if waiting:
            self._attempt(lambda: waitlists.promote(waiting[i % len(waiting)].id))

    def _offered(self):
        return list(WaitlistEntry.objects.filter(status="offered").order_by("id"))

    @rule(i=st.integers(0, 50), in_time=st.booleans())
    def claim(self, i, in_time):
        offered = self._offered()
        if offered:
            e = offered[i % len(offered)]
            moment = e.offer_expires_at - (timedelta(minutes=1) if in_time else timedelta(0))
            self._attempt(lambda: waitlists.claim(e.id), moment)

    @rule(i=st.integers(0, 50))
    def decline(self, i):
        offered = self._offered()
        if offered:
            e = offered[i % len(offered)]
            self._attempt(lambda: waitlists.leave(e.id), e.offer_expires_at - timedelta(minutes=1))

    @rule(i=st.integers(0, 50))
    def let_an_offer_lapse(self, i):
        offered = self._offered()
        if offered:
            e = offered[i % len(offered)]
            self._attempt(lambda: waitlists.pass_on_offers(e.session_id), e.offer_expires_at)

    @rule(i=st.integers(0, 50))
    def check_in(self, i):
        live = self._bookings(S.BOOKED)
        if live:
            b = live[i % len(live)]
            self._attempt(lambda: bookings.check_in(b.id), b.session.starts_at)

    @rule(i=st.integers(0, 50))
    def undo_check_in(self, i):
        attended = self._bookings(S.ATTENDED)
        if attended:
            self._attempt(lambda: bookings.undo_check_in(attended[i % len(attended)].id))

    @rule(i=st.integers(0, 50))
    def undo_no_show(self, i):
        marked = self._bookings(S.NO_SHOW)
        if marked:
            b = marked[i % len(marked)]
            self._attempt(lambda: bookings.undo_no_show(b.id), b.session.ends_at)

    @rule(i=st.integers(0, 50))
    def no_show(self, i):
        live = self._bookings(S.BOOKED)
        if live:
            b = live[i % len(live)]
            self._attempt(lambda: bookings.mark_no_show(b.id), b.session.ends_at)

    @rule(i=st.integers(0, 50), amount=st.sampled_from(["1", "2.5"]))
    def top_up(self, i, amount):
        all_passes = self._passes()
        if all_passes:
            p = all_passes[i % len(all_passes)]
            if self._attempt(lambda: passes.top_up(p.id, Decimal(amount), reason="prop")):
                self.totals[p.id] += Decimal(amount)

    @rule(i=st.integers(0, 50), total=st.sampled_from(["0", "1", "2", "6"]))
    def set_total(self, i, total):
        all_passes = self._passes()
        if all_passes:
            p = all_passes[i % len(all_passes)]
            if self._attempt(lambda: passes.set_total(p.id, Decimal(total))):
                self.totals[p.id] = None if total == "0" else Decimal(total)

    @rule(i=st.integers(0, 50), days=st.sampled_from([-30, -1, 10, 90]))
    def move_expiry(self, i, days):
        """Negative days expire the pass (refused while sessions are booked after it)."""
        all_passes = self._passes()
        if all_passes:
            p = all_passes[i % len(all_passes)]
            starts = (p.starts_at or self.now).date() - timedelta(days=60)
            ends: date = self.now.date() + timedelta(days=days)
            self._attempt(lambda: passes.change_validity(p.id, starts_on=starts, expires_on=ends))

    @rule(i=st.integers(0, 50))
    def void(self, i):
        all_passes = self._passes()
        if all_passes:
            self._attempt(lambda: self._void(all_passes[i % len(all_passes)].id))

    @staticmethod
    @transaction.atomic
    def _void(pass_id):
        # passes.void does not give back credits held for waitlists yet: this is the call
        # it needs (in its transaction), so the other invariants can hold meanwhile.
        passes.void(pass_id, reason="prop")
        waitlists.release_on_passes([pass_id], "pass voided")

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def ledger_and_counters_agree(self):
        assert list(problems()) == []

    @invariant()
    def counters_match_the_bookings(self):
        waiting = WaitlistEntry.objects.filter(waitlists.HOLDING).select_related("credit_hold")
        for p in Pass.objects.all():
            mine = list(p.bookings.all())
            held = sum((b.credits for b in mine if b.status == S.BOOKED), Decimal(0))
            for e in waiting.filter(credit_hold__customer_pass=p):
                assert e.status in WaitlistEntry.OPEN, e
                held += e.credit_hold.amount
            used = sum((b.credits for b in mine if b.status in USED), Decimal(0))
            assert (p.held, p.used) == (held, used), p
            assert p.remaining is None or p.remaining >= 0
            assert p.total == self.totals[p.id]

    @invariant()
    def promotions_have_their_booking_and_never_overlap(self):
        for e in WaitlistEntry.objects.filter(status="promoted").select_related("booking"):
            assert e.booking is not None
            assert (e.booking.customer_id, e.booking.session_id) == (e.customer_id, e.session_id)
            clash = Booking.objects.filter(
                customer_id=e.customer_id,
                status__in=Booking.LIVE,
                id__in=WaitlistEntry.objects.filter(status="promoted").values("booking_id"),
                session__starts_at__lt=e.session.ends_at,
                session__ends_at__gt=e.session.starts_at,
            ).exclude(pk=e.booking_id)
            assert not (e.booking.is_live and clash.exists()), e

    @invariant()
    def no_session_over_capacity(self):
        """Counting the places held by offers still open."""
        for s in Session.objects.all():
            live = s.bookings.filter(status__in=Booking.LIVE).count()
            held = s.waitlist.filter(status="offered", offer_expires_at__gt=clock.now()).count()
            assert live + held <= s.capacity, s

    @invariant()
    def offers_have_a_cut_off_no_later_than_the_start(self):
        for e in WaitlistEntry.objects.filter(status="offered").select_related("session"):
            assert e.offer_expires_at is not None and e.offer_expires_at <= e.session.starts_at


@pytest.mark.django_db
def test_services_keep_every_invariant(business):
    business.late_cancel_policy = business.no_show_policy = "consume"
    business.save()
    run_state_machine_as_test(
        Studio,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
