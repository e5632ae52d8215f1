"""Credit notes and gift vouchers: how value moves between people (passes don't)."""

import re
from datetime import timedelta

import pytest

from passbook import clock
from passbook.models import CreditNote, GiftVoucher, Pass, Payment
from passbook.rules.money import PaymentStatus, payment_status
from passbook.services import credit, errors, payments, vouchers
from passbook.services.payments import PaymentInput
from passbook.services.verify import problems
from tests.factories import CustomerFactory
from tests.integration.helpers import D, fresh, refused, sell


def test_credit_is_issued_with_a_reason_and_spent_on_a_pass(business, customer, ten_pack):
    credit.issue(customer.id, D("120"), reason="class cancelled by the studio")
    p = sell(customer, ten_pack)
    payments.pay_with_credit(p.id, D("120"))
    assert credit.balance(customer) == D("0")
    assert payment_status(fresh(p).price, fresh(p).amount_paid) is PaymentStatus.PARTLY_PAID
    assert Payment.objects.get(customer_pass=p).method == "account_credit"
    assert list(problems()) == []


def test_the_balance_never_goes_negative(business, customer, ten_pack):
    credit.issue(customer.id, D("50"), reason="goodwill")
    p = sell(customer, ten_pack)
    with refused("not_enough_credit") as info:
        payments.pay_with_credit(p.id, D("50.01"))
    assert info.value.details == {"available": "50.00"}
    with refused("invalid_input"):
        credit.issue(customer.id, D("-5"), reason="x")
    with refused("invalid_input"):
        credit.issue(customer.id, D("5"), reason=" ")


def test_verify_reports_a_negative_balance(business, customer):
    CreditNote.objects.create(
        customer=customer, amount=D("-1"), reason="bypassing services", created_at=clock.now()
    )
    assert any("account credit" in str(p) for p in problems())


def test_voucher_codes_are_random_and_readable(business):
    codes = {vouchers.create(value=D("10"), expires_on=clock.now().date()).code for _ in range(50)}
    assert len(codes) == 50
    assert all(
        re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", c) for c in codes
    )


def test_a_money_voucher_becomes_account_credit(business, customer):
    voucher = vouchers.create(value=D("75"), expires_on=clock.now().date() + timedelta(days=30))
    vouchers.redeem(voucher.code.lower().replace("-", " "), customer.id, who="user:1")
    assert credit.balance(customer) == D("75")
    with pytest.raises(errors.InvalidVoucher, match="already been used"):
        vouchers.redeem(voucher.code, CustomerFactory().id, who="user:2")
    assert credit.balance(customer) == D("75")


def test_a_pass_voucher_issues_the_pass_paid_by_the_voucher(business, customer, ten_pack):
    voucher = vouchers.create(product_id=ten_pack.id, expires_on=clock.now().date())
    p = vouchers.redeem(voucher.code, customer.id, who="user:1")
    assert isinstance(p, Pass) and p.source == "voucher"
    assert payment_status(fresh(p).price, fresh(p).amount_paid) is PaymentStatus.PAID
    assert list(problems()) == []


def test_expired_and_malformed_vouchers(business, customer):
    voucher = vouchers.create(value=D("10"), expires_on=clock.now().date() - timedelta(days=1))
    with pytest.raises(errors.InvalidVoucher, match="expired"):
        vouchers.redeem(voucher.code, customer.id, who="user:1")
    assert GiftVoucher.objects.get(pk=voucher.pk).redeemed_at is None
    with refused("invalid_input"):
        vouchers.create(value=D("10"), product_id=1, expires_on=clock.now().date())


def test_guessing_is_throttled_per_caller(business, customer):
    voucher = vouchers.create(value=D("10"), expires_on=clock.now().date())
    for _ in range(vouchers.MAX_FAILURES):
        with pytest.raises(errors.InvalidVoucher):
            vouchers.redeem("AAAA-AAAA-AAAA", customer.id, who="ip:10.0.0.9")
    with refused("too_many_attempts"):
        vouchers.redeem(voucher.code, customer.id, who="ip:10.0.0.9")  # even the right one
    vouchers.redeem(voucher.code, customer.id, who="ip:10.0.0.10")  # someone else is fine
    with clock.at(clock.now() + timedelta(minutes=16)):
        other = vouchers.create(value=D("5"), expires_on=clock.now().date() + timedelta(days=1))
        vouchers.redeem(other.code, customer.id, who="ip:10.0.0.9")  # the window has passed
    assert GiftVoucher.objects.filter(redeemed_by=customer).count() == 2


def test_credit_pays_only_what_is_owed(business, customer, ten_pack):
    credit.issue(customer.id, D("500"), reason="refund as credit")
    p = sell(customer, ten_pack, payment=PaymentInput(ten_pack.price - D("10"), "cash"))
    with refused("more_than_owed") as info:
        payments.pay_with_credit(p.id, D("10.01"))
    assert info.value.message == "10.00 is owed on this pass."
    payments.pay_with_credit(p.id, D("10"))
    assert credit.balance(customer) == D("490")


def test_a_sold_voucher_records_its_buyer_and_payment_together(business, customer, ten_pack):
    expires = clock.now().date() + timedelta(days=365)
    voucher = vouchers.sell(
        customer.id,
        payment=PaymentInput(ten_pack.price, "card"),
        product_id=ten_pack.id,
        expires_on=expires,
        note="birthday present",
    )
    payment = Payment.objects.get(voucher=voucher)
    assert (voucher.sold_to, voucher.price) == (customer, ten_pack.price)
    assert (payment.customer, payment.amount, payment.customer_pass) == (customer, D("200"), None)
    # the friend redeems it; the pass is paid by the voucher, not paid twice in cash
    friend = CustomerFactory()
    issued = vouchers.redeem(voucher.code, friend.id, who="user:1")
    assert issued.customer == friend and issued.payments.get().method == "voucher"
    assert list(problems()) == []


def test_a_voucher_sale_is_paid_in_full_in_money_or_not_at_all(business, customer, ten_pack):
    expires = clock.now().date() + timedelta(days=365)
    for payment, code in [
        (PaymentInput(D("150"), "card"), "invalid_input"),  # not the full price
        (PaymentInput(D("50"), "account_credit"), "invalid_input"),
        (PaymentInput(D("50"), "voucher"), "invalid_input"),
        (PaymentInput(D("-50"), "cash"), "invalid_input"),
    ]:
        with refused(code):
            vouchers.sell(customer.id, payment=payment, value=D("50"), expires_on=expires)
    with refused("not_found"):
        vouchers.sell(
            10**9, payment=PaymentInput(D("50"), "cash"), value=D("50"), expires_on=expires
        )
