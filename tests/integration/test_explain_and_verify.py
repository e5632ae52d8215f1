"""'Why wasn't my pass used?' and `passbook verify`."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from passbook import clock
from passbook.models import Booking, Pass, PassEntry, Payment
from passbook.services import bookings, passes
from passbook.services.explain import explain
from passbook.services.verify import problems
from tests.factories import CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import D, check_in, refused, sell


def test_explain_answers_for_every_pass(business, customer, pilates, yoga):
    general = sell(customer, ProductFactory(name="10-class pass"))
    product = ProductFactory(name="Pilates pass", priority=1)
    product.categories.add(pilates.category)
    only_pilates = sell(customer, product)
    with clock.at(clock.now() - timedelta(days=200)):
        old = sell(customer, ProductFactory(name="Old pass"))
    gone = passes.void(sell(customer, ProductFactory(name="Refunded")).id, reason="refund")
    verdicts = {v.pass_id: v for v in explain(customer.id, SessionFactory(class_type=yoga).id)}
    assert verdicts[general.id].chosen
    assert verdicts[only_pilates.id].message == "restricted to Pilates"
    assert verdicts[old.id].code == "expired"
    assert verdicts[gone.id].code == "voided"


def test_explain_matches_what_booking_does(business, customer, yoga):
    sell(customer, ProductFactory())
    second = sell(customer, ProductFactory(priority=5))
    session = SessionFactory(class_type=yoga)
    [chosen] = [v for v in explain(customer.id, session.id) if v.chosen]
    assert chosen.pass_id == second.id == bookings.book(customer.id, session.id).customer_pass_id


def test_explain_unknown_ids(business, customer, session):
    with refused("not_found"):
        explain(customer.id, 999999)
    with refused("not_found"):
        explain(999999, session.id)


def _busy_day(business, ten_pack, yoga):
    for c in CustomerFactory.create_batch(3):
        p = sell(c, ten_pack)
        b = bookings.book(c.id, SessionFactory(class_type=yoga).id)
        check_in(b)
        bookings.book(c.id, SessionFactory(class_type=yoga).id)
        passes.top_up(p.id, D("2"), reason="promo")


def test_verify_is_clean_after_real_work(business, ten_pack, yoga, capsys):
    _busy_day(business, ten_pack, yoga)
    assert list(problems()) == []
    call_command("verify")
    assert "verify: OK" in capsys.readouterr().out


def test_verify_reports_a_counter_that_disagrees_with_its_ledger(business, ten_pack, yoga, capsys):
    _busy_day(business, ten_pack, yoga)
    tampered = Pass.objects.first()
    Pass.objects.filter(pk=tampered.pk).update(held=D("0"))  # bypassing the services
    found = list(problems())
    assert len(found) == 1 and f"pass {tampered.id}" in str(found[0])
    with pytest.raises(CommandError) as info:
        call_command("verify")
    assert info.value.returncode == 1
    assert f"pass {tampered.id}" in capsys.readouterr().err


def test_verify_reports_payments_that_disagree(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    Payment.objects.create(
        customer=customer,
        customer_pass=p,
        amount=D("5"),
        method="cash",
        received_at=clock.now(),
        recorded_at=clock.now(),
    )
    assert "payments sum to 5" in str(next(problems()))


def test_verify_reports_an_overfull_session(business, yoga):
    session = SessionFactory(class_type=yoga, capacity=1)
    for c in CustomerFactory.create_batch(2):  # bypassing the services' capacity check
        Booking.objects.create(
            customer=c, session=session, paid_by="complimentary", created_at=clock.now()
        )
    assert [p.message for p in problems()] == ["2 live bookings for 1 places"]


def test_verify_reports_a_voided_pass_that_holds_credits_or_has_bookings(business, customer):
    p = sell(customer, ProductFactory(credits=10))
    booking = bookings.book(customer.id, SessionFactory().id)
    passes.void(p.id, reason="refunded")
    assert list(problems()) == []
    Booking.objects.filter(pk=booking.pk).update(status="booked")  # bypassing the services
    Pass.objects.filter(pk=p.pk).update(held=D("1"))
    PassEntry.objects.create(
        customer_pass=p, kind="hold", amount=D("1"), booking=booking, created_at=clock.now()
    )
    assert {p.message for p in problems()} == {
        "voided, but holds 1.00 credits",
        f"booked on voided pass {p.id}",
    }
