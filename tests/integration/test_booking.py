"""Booking: the spend rule picks the pass; staff may name one; drop-ins and comps pay otherwise."""

from datetime import timedelta

import pytest

from passbook import clock
from passbook.models import Booking, Business
from passbook.rules.ledger import EntryKind
from passbook.services import bookings
from tests.factories import CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import D, counters, fresh, refused, sell


def book(customer, session, **kw) -> Booking:
    return bookings.book(customer.id, session.id, **kw)


def test_booking_holds_the_credit_at_once(business, customer, ten_pack, session):
    p = sell(customer, ten_pack)
    b = book(customer, session)
    assert b.customer_pass == p and b.credits == D("1.00") and b.cost_label == "1.00 CR"
    assert counters(p) == (D("10"), D("1"), D("0"), D("9"))
    assert p.entries.last().kind == EntryKind.HOLD and p.entries.last().booking == b


def test_the_oldest_purchase_pays_first(business, customer, ten_pack, session):
    with clock.at(clock.now() - timedelta(days=3)):
        older = sell(customer, ten_pack)
    sell(customer, ten_pack)
    assert book(customer, session).customer_pass == older


def test_soonest_expiry_first_when_set(business, customer, session):
    business.spend_order = "soonest_expiry"
    business.save()
    sell(customer, ProductFactory(validity_unit="months", validity_count=6))
    short = sell(customer, ProductFactory(validity_unit="days", validity_count=10))
    assert book(customer, session).customer_pass == short


def test_a_restricted_pass_with_priority_pays_for_its_classes(business, customer, pilates, yoga):
    general = sell(customer, ProductFactory(name="10-class pass"))
    product = ProductFactory(name="Pilates pass", priority=1)
    product.categories.add(pilates.category)
    pilates_pass = sell(customer, product)
    assert book(customer, SessionFactory(class_type=pilates)).customer_pass == pilates_pass
    assert book(customer, SessionFactory(class_type=yoga)).customer_pass == general


def test_staff_can_name_the_pass(business, customer, ten_pack, session):
    sell(customer, ten_pack)
    second = sell(customer, ten_pack)
    assert book(customer, session, pass_id=second.id).customer_pass == second


def test_a_named_pass_must_still_be_able_to_pay(business, customer, pilates, session):
    product = ProductFactory(name="Pilates pass")
    product.categories.add(pilates.category)
    p = sell(customer, product)
    with refused("pass_not_usable") as info:
        book(customer, session, pass_id=p.id)
    assert "restricted to Pilates" in info.value.message


def test_another_customers_pass_cannot_be_named(business, customer, ten_pack, session):
    theirs = sell(CustomerFactory(), ten_pack)
    with refused("not_found"):
        book(customer, session, pass_id=theirs.id)


def test_no_usable_pass_explains_every_pass(business, customer, session):
    sell(customer, ProductFactory(credits=1))
    book(customer, SessionFactory(class_type=session.class_type))
    with refused("no_usable_pass") as info:
        book(customer, session)
    assert [r["code"] for r in info.value.details["reasons"]] == ["no_credits"]


def test_a_customer_without_passes_cannot_book_on_credit(business, customer, session):
    with refused("no_usable_pass"):
        book(customer, session)


def test_drop_in_and_complimentary_bookings(business, customer, session):
    drop_in = book(customer, session, paid_by="drop_in")
    assert drop_in.customer_pass is None and drop_in.price == D("25.00")
    assert drop_in.cost_label == "25.00"
    other = SessionFactory(class_type=session.class_type)
    comp = book(customer, other, paid_by="complimentary")
    assert comp.price == D("0") and comp.cost_label == "Complimentary"


def test_unknown_payment_kind_is_refused(business, customer, session):
    with refused("invalid_input"):
        book(customer, session, paid_by="barter")


def test_a_full_session_refuses_more(business, ten_pack, yoga):
    session = SessionFactory(class_type=yoga, capacity=2)
    for c in CustomerFactory.create_batch(2):
        sell(c, ten_pack)
        book(c, session)
    late = CustomerFactory()
    p = sell(late, ten_pack)
    with refused("session_full"):
        book(late, session)
    assert counters(p)[3] == D("10")


def test_cancelled_bookings_free_their_place(business, ten_pack, yoga):
    session = SessionFactory(class_type=yoga, capacity=1)
    first, second = CustomerFactory.create_batch(2)
    sell(first, ten_pack), sell(second, ten_pack)
    bookings.cancel(book(first, session).id)
    assert book(second, session).status == Booking.Status.BOOKED


def test_one_live_booking_per_customer_per_session(business, customer, ten_pack, session):
    sell(customer, ten_pack)
    b = book(customer, session)
    with refused("already_booked"):
        book(customer, session)
    bookings.cancel(b.id)
    assert book(customer, session).status == Booking.Status.BOOKED  # may book again


def test_cancelled_and_finished_sessions_cannot_be_booked(business, customer, ten_pack, yoga):
    sell(customer, ten_pack)
    gone = SessionFactory(class_type=yoga, status="cancelled")
    with refused("session_cancelled"):
        book(customer, gone)
    past = SessionFactory(class_type=yoga, starts_at=clock.now() - timedelta(hours=3))
    with refused("session_over"):
        book(customer, past)


def test_a_session_in_progress_can_still_take_a_walk_in(business, customer, ten_pack, yoga):
    sell(customer, ten_pack)
    started = SessionFactory(class_type=yoga, starts_at=clock.now() - timedelta(minutes=10))
    assert book(customer, started).status == Booking.Status.BOOKED


def test_unlimited_pass_daily_cap(business, customer, yoga):
    p = sell(customer, ProductFactory(credits=None, max_per_day=1))
    day = (clock.now() + timedelta(days=2)).replace(hour=9, minute=0)
    morning = SessionFactory(class_type=yoga, starts_at=day)
    evening = SessionFactory(class_type=yoga, starts_at=day + timedelta(hours=9))
    book(customer, morning)
    with refused("no_usable_pass") as info:
        book(customer, evening)
    assert info.value.details["reasons"][0]["code"] == "daily_limit"
    assert counters(p) == (None, D("1"), D("0"), None)


def test_expired_pass_cannot_pay(business, customer, ten_pack, session):
    with clock.at(clock.now() - timedelta(days=200)):
        sell(customer, ten_pack)
    with refused("no_usable_pass") as info:
        book(customer, session)
    assert info.value.details["reasons"][0]["code"] == "expired"


def test_fractional_credit_costs(business, customer, yoga):
    p = sell(customer, ProductFactory(credits=1))
    half = SessionFactory(class_type=yoga, credit_cost=D("0.50"))
    book(customer, half)
    book(customer, SessionFactory(class_type=yoga, credit_cost=D("0.50")))
    assert counters(p)[3] == D("0")
    assert fresh(p).held == D("1.00")


@pytest.mark.parametrize("tz", ["UTC", "Australia/Sydney", "America/Los_Angeles"])
def test_booking_works_in_any_business_zone(business, customer, ten_pack, session, tz):
    Business.objects.filter(pk=1).update(time_zone=tz)
    sell(customer, ten_pack)
    assert book(customer, session).customer_pass is not None
