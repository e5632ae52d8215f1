"""Payments and refunds; payment status derived from payments against price."""

from datetime import timedelta

import pytest

from passbook import clock
from passbook.models import Payment
from passbook.rules.money import PaymentStatus, payment_status
from passbook.services import bookings, credit, payments
from passbook.services.payments import PaymentInput
from passbook.services.verify import problems
from tests.factories import SessionFactory
from tests.integration.helpers import D, fresh, refused, sell


def status(p) -> PaymentStatus:
    p = fresh(p)
    return payment_status(p.price, p.amount_paid)


def test_unpaid_partly_paid_fully_paid(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    assert status(p) is PaymentStatus.UNPAID
    payments.record_payment(p.id, PaymentInput(D("50"), "cash", note="deposit"))
    assert status(p) is PaymentStatus.PARTLY_PAID
    payments.record_payment(p.id, PaymentInput(D("150"), "card", reference="txn-1"))
    assert status(p) is PaymentStatus.PAID and fresh(p).amount_paid == D("200")


def test_refunds_are_negative_payments_never_more_than_paid(business, customer, ten_pack):
    p = sell(customer, ten_pack, payment=PaymentInput(D("200"), "card"))
    with refused("refund_exceeds_paid") as info:
        payments.refund(p.id, PaymentInput(D("200.01"), "card"))
    assert info.value.details == {"maximum": "200.00"}
    refund = payments.refund(p.id, PaymentInput(D("80"), "card", note="unused classes"))
    assert refund.amount == D("-80") and refund.is_refund
    assert status(p) is PaymentStatus.PARTLY_PAID


def test_bad_payments_are_refused(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    for bad, code in [
        (PaymentInput(D("0"), "cash"), "invalid_input"),
        (PaymentInput(D("-5"), "cash"), "invalid_input"),
        (PaymentInput(D("5"), "shells"), "invalid_input"),
        (
            PaymentInput(D("5"), "cash", received_at=clock.now() + timedelta(days=2)),
            "invalid_input",
        ),
    ]:
        with refused(code):
            payments.record_payment(p.id, bad)
    with refused("not_found"):
        payments.record_payment(999999, PaymentInput(D("5"), "cash"))


def test_backdated_payment_keeps_its_date(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    when = clock.now() - timedelta(days=3)
    pay = payments.record_payment(p.id, PaymentInput(D("5"), "bank_transfer", received_at=when))
    assert pay.received_at == when and pay.recorded_at > when


def test_drop_in_payment(business, customer, session, ten_pack):
    b = bookings.book(customer.id, session.id, paid_by="drop_in")
    pay = payments.record_drop_in_payment(b.id, PaymentInput(b.price, "cash"))
    assert pay.booking == b and Payment.objects.filter(booking=b).count() == 1
    sell(customer, ten_pack)
    other = bookings.book(customer.id, SessionFactory(class_type=session.class_type).id)
    with refused("invalid_input"):
        payments.record_drop_in_payment(other.id, PaymentInput(D("5"), "cash"))


def test_a_drop_in_is_paid_up_to_its_price_like_a_pass(business, customer, session):
    b = bookings.book(customer.id, session.id, paid_by="drop_in")  # 25.00
    payments.record_drop_in_payment(b.id, PaymentInput(D("10"), "cash"))
    with refused("more_than_owed") as info:
        payments.record_drop_in_payment(b.id, PaymentInput(D("20"), "card"))
    assert info.value.details["owed"] == "15.00"
    for method in ("account_credit", "voucher"):
        with refused("invalid_input"):
            payments.record_drop_in_payment(b.id, PaymentInput(D("15"), method))
    payments.record_drop_in_payment(b.id, PaymentInput(D("20"), "card"), excess_to_credit=True)
    assert payments.drop_in_paid(b) == D("25.00")
    assert credit.balance(customer) == D("5.00")
    assert list(problems()) == []


def test_money_over_the_balance_due_is_refused(business, customer, ten_pack):
    p = sell(customer, ten_pack, payment=PaymentInput(D("140"), "cash"))  # 60 owed
    with refused("more_than_owed") as info:
        payments.record_payment(p.id, PaymentInput(D("80"), "card"))
    assert info.value.details["owed"] == "60.00"


def test_the_excess_can_go_on_account_credit_when_staff_say_so(business, customer, ten_pack):
    p = sell(customer, ten_pack, payment=PaymentInput(D("140"), "cash"))
    payments.record_payment(p.id, PaymentInput(D("80"), "card"), excess_to_credit=True)
    assert fresh(p).amount_paid == D("200") and credit.balance(customer) == D("20")
    assert sorted(Payment.objects.filter(customer=customer).values_list("amount", flat=True)) == [
        D("20"),
        D("60"),
        D("140"),
    ]
    assert list(problems()) == []


@pytest.mark.parametrize("method", ["account_credit", "voucher"])
def test_credit_and_vouchers_are_not_taken_by_hand(business, customer, ten_pack, method):
    p = sell(customer, ten_pack)
    with refused("invalid_input") as info:
        payments.record_payment(p.id, PaymentInput(D("10"), method))
    assert info.value.details["field"] == "method"
    with refused("invalid_input"):
        sell(customer, ten_pack, payment=PaymentInput(D("10"), method))
