"""Staff edits on the booking ticket: total, dates, top-up, adjust, void, Add Session."""

from datetime import date, time, timedelta

import pytest

from passbook import clock
from passbook.models import Booking, PassEntry, Session
from passbook.rules.ledger import EntryKind
from passbook.rules.status import PassStatus, pass_status
from passbook.services import bookings, passes
from passbook.services.explain import explain
from passbook.services.facts import pass_facts
from passbook.services.verify import problems
from tests.factories import (
    ClassTypeFactory,
    ProductFactory,
    ResourceFactory,
    SessionFactory,
    StaffFactory,
)
from tests.integration.helpers import D, check_in, counters, fresh, refused, sell


@pytest.fixture
def pass_with_bookings(business, customer, ten_pack, yoga):
    p = sell(customer, ten_pack)
    b1 = bookings.book(customer.id, SessionFactory(class_type=yoga).id)
    bookings.book(customer.id, SessionFactory(class_type=yoga).id)
    check_in(b1)
    return fresh(p)  # held 1, used 1


def test_edit_total(pass_with_bookings):
    p = passes.set_total(pass_with_bookings.id, D("4"))
    assert counters(p) == (D("4"), D("1"), D("1"), D("2"))
    assert p.entries.last().kind == EntryKind.SET_TOTAL


def test_total_zero_means_unlimited_and_back(pass_with_bookings):
    p = passes.set_total(pass_with_bookings.id, D("0"))
    assert fresh(p).total is None
    assert counters(passes.set_total(p.id, D("3")))[0] == D("3")


def test_total_never_below_held_plus_used(pass_with_bookings):
    with refused("total_below_committed") as info:
        passes.set_total(pass_with_bookings.id, D("1"))
    assert info.value.details == {"minimum": "2.00"}
    with refused("invalid_input"):
        passes.set_total(pass_with_bookings.id, D("-3"))


def test_top_up_adds_sessions(pass_with_bookings):
    p = passes.top_up(pass_with_bookings.id, D("5"), reason="birthday gift")
    assert counters(p)[0] == D("15")
    entry = p.entries.last()
    assert (entry.kind, entry.amount, entry.reason) == (EntryKind.ADJUST, D("5"), "birthday gift")
    with refused("invalid_input"):
        passes.top_up(p.id, D("0"))


def test_adjust_needs_a_reason_and_cannot_go_below_committed(pass_with_bookings):
    with refused("invalid_input"):
        passes.adjust(pass_with_bookings.id, D("-1"), reason="  ")
    with refused("total_below_committed"):
        passes.adjust(pass_with_bookings.id, D("-9"), reason="correction")
    p = passes.adjust(pass_with_bookings.id, D("-8"), reason="sold the wrong pass")
    assert counters(p) == (D("2"), D("1"), D("1"), D("0"))


def test_unlimited_passes_have_no_total_to_adjust(business, customer):
    from tests.factories import ProductFactory

    p = sell(customer, ProductFactory(credits=None))
    with refused("pass_unlimited"):
        passes.top_up(p.id, D("1"))


def test_extending_an_expired_pass_makes_it_usable_again(business, customer, ten_pack, session):
    with clock.at(clock.now() - timedelta(days=200)):
        p = sell(customer, ten_pack)
    assert pass_status(pass_facts(fresh(p)), clock.now()) is PassStatus.EXPIRED
    with refused("no_usable_pass"):
        bookings.book(customer.id, session.id)
    new_end = session.starts_at.date() + timedelta(days=30)
    p = passes.change_validity(p.id, starts_on=fresh(p).starts_at.date(), expires_on=new_end)
    assert pass_status(pass_facts(fresh(p)), clock.now()) is PassStatus.ACTIVE
    assert bookings.book(customer.id, session.id).customer_pass == p
    entry = p.entries.filter(kind=EntryKind.VALIDITY).last()
    assert entry.expires_at == fresh(p).expires_at


def test_dates_cannot_strand_booked_sessions(pass_with_bookings):
    yesterday = clock.now().date() - timedelta(days=1)
    with refused("bookings_outside_validity"):
        passes.change_validity(pass_with_bookings.id, starts_on=yesterday, expires_on=yesterday)
    with refused("invalid_input"):
        passes.change_validity(
            pass_with_bookings.id, starts_on=date(2030, 1, 2), expires_on=date(2030, 1, 1)
        )


def test_void_cancels_booked_sessions_and_releases_them(pass_with_bookings):
    p = passes.void(pass_with_bookings.id, reason="refunded")
    p = fresh(p)
    assert p.voided and (p.held, p.used) == (D("0"), D("1"))
    assert not p.bookings.filter(status=Booking.Status.BOOKED).exists()
    assert pass_status(pass_facts(p), clock.now()) is PassStatus.VOIDED
    with refused("pass_voided"):
        passes.top_up(p.id, D("1"))
    with refused("invalid_input"):
        passes.void(p.id, reason="")


def test_add_session_books_an_appointment_on_the_pass(business, customer):
    pt = ClassTypeFactory(name="Personal training", capacity=1, duration_minutes=45)
    from tests.factories import ProductFactory

    p = sell(customer, ProductFactory(credits=4))
    trainer, room = StaffFactory(), ResourceFactory()
    day = clock.now().date() + timedelta(days=3)
    b = passes.add_session(
        p.id, on=day, at=time(15, 0), class_type_id=pt.id, staff_id=trainer.id, resource_id=room.id
    )
    assert b.customer_pass == p and b.session.capacity == 1
    assert b.session.ends_at - b.session.starts_at == timedelta(minutes=45)
    assert counters(p)[3] == D("3")
    with refused("staff_busy"):
        passes.add_session(p.id, on=day, at=time(15, 30), class_type_id=pt.id, staff_id=trainer.id)
    with refused("resource_busy"):
        passes.add_session(p.id, on=day, at=time(15, 30), class_type_id=pt.id, resource_id=room.id)
    with refused("not_found"):
        passes.add_session(p.id, on=day, at=time(18, 0), class_type_id=999999)
    assert Session.objects.count() == 1


def test_unknown_pass_is_not_found(business):
    with refused("not_found"):
        passes.set_total(999999, D("5"))


def test_a_sold_pass_can_be_given_a_higher_priority_with_history(business, customer, yoga):
    older = sell(customer, ProductFactory(name="Older", credits=10))
    newer = sell(customer, ProductFactory(name="Newer", credits=10))
    session = SessionFactory(class_type=yoga)
    assert [v.pass_id for v in explain(customer.id, session.id) if v.chosen] == [older.id]
    passes.set_priority(newer.id, 5, reason="use the gift pass first")
    assert [v.pass_id for v in explain(customer.id, session.id) if v.chosen] == [newer.id]
    entry = PassEntry.objects.filter(customer_pass=newer).last()
    assert entry.kind == "priority" and entry.reason == "0 → 5: use the gift pass first"
    with refused("invalid_input"):
        passes.set_priority(newer.id, 5, reason="again")
    with refused("invalid_input"):
        passes.set_priority(newer.id, 101, reason="too high")
    assert list(problems()) == []


def test_a_products_new_priority_can_be_given_to_its_live_passes(business, customer):
    product = ProductFactory(credits=10)
    sold = [sell(customer, product) for _ in range(2)]
    passes.void(sold[1].id, reason="refunded")
    product.priority = 2
    product.save()
    assert [p.id for p in passes.with_another_priority(product)] == [sold[0].id]
    assert passes.apply_product_priority(product.id) == 1
    assert fresh(sold[0]).priority == 2 and fresh(sold[1]).priority == 0


def test_add_session_after_the_last_day_says_when_the_pass_expires(
    pinned, business, customer, yoga
):
    until_march = ProductFactory(
        validity_unit="", validity_count=None, valid_until=date(2027, 3, 31)
    )
    p = sell(customer, until_march)  # on 1 December 2026: its last day is still to come
    with refused("pass_not_usable") as refusal:
        passes.add_session(p.id, on=date(2027, 4, 14), at=time(9), class_type_id=yoga.id)
    assert refusal.value.message == (
        "This pass cannot pay: expires 31 March 2027, before this session."
    )
    assert refusal.value.details["reasons"][0]["code"] == "expired"  # the code stays


def test_an_added_session_is_a_private_appointment(pinned, business, customer, ten_pack, yoga):
    p = sell(customer, ten_pack)
    day = clock.now().date() + timedelta(days=2)
    b = passes.add_session(p.id, on=day, at=time(9), class_type_id=yoga.id)
    assert b.session.private and not SessionFactory(class_type=yoga).private
