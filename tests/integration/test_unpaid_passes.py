"""Unpaid passes: the cap on self-service purchases, and the studio's policy for what an
unpaid pass may book (reason `unpaid`)."""

import pytest

from passbook.models import Business, User
from passbook.models.business import UnpaidPolicy
from passbook.rules.spend import ReasonCode
from passbook.services import bookings, credit, explain, passes, payments, records
from passbook.services.payments import PaymentInput
from tests.factories import CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import D, fresh, refused, sell


def studio(**settings) -> Business:
    business = Business.current()
    for name, value in settings.items():
        setattr(business, name, value)
    business.save()
    return business


@pytest.fixture
def buyer(db):
    """A customer with a portal login: purchases with it as the actor are self-service."""
    return CustomerFactory(user=User.objects.create_user("ada"))


def buy(customer, product, **kw):
    return sell(customer, product, actor=customer.user, **kw)


def pay_in_full(p) -> None:
    payments.record_payment(p.id, PaymentInput(fresh(p).price - fresh(p).amount_paid, "cash"))


# The cap on unpaid passes per customer (self-service purchases).


def test_no_cap_by_default(business, buyer, ten_pack):
    for _ in range(4):
        buy(buyer, ten_pack)
    assert buyer.passes.count() == 4


def test_the_cap_refuses_one_more_unpaid_purchase_and_changes_nothing(business, buyer, ten_pack):
    studio(unpaid_passes_per_customer=2)
    buy(buyer, ten_pack), buy(buyer, ten_pack)
    with refused("too_many_unpaid_passes") as info:
        buy(buyer, ten_pack)
    assert info.value.details == {"limit": 2}
    assert "at most 2 passes at a time" in info.value.message


def test_paying_one_pass_frees_a_place_under_the_cap(business, buyer, ten_pack):
    studio(unpaid_passes_per_customer=1)
    first = buy(buyer, ten_pack)
    with refused("too_many_unpaid_passes"):
        buy(buyer, ten_pack)
    payments.record_payment(first.id, PaymentInput(D("50"), "cash"))  # partly paid still owes
    with refused("too_many_unpaid_passes"):
        buy(buyer, ten_pack)
    pay_in_full(first)
    assert buy(buyer, ten_pack).amount_paid == 0


def test_voided_free_and_credit_paid_passes_do_not_count(business, buyer, ten_pack):
    studio(unpaid_passes_per_customer=1)
    passes.void(buy(buyer, ten_pack).id, reason="bought by mistake")
    buy(buyer, ProductFactory(price=D("0")))
    credit.issue(buyer.id, D("200"), reason="goodwill")
    assert buy(buyer, ten_pack, use_credit=True).amount_paid == D("200")
    buy(buyer, ten_pack)  # the one unpaid pass the cap allows
    with refused("too_many_unpaid_passes"):
        buy(buyer, ten_pack)


def test_staff_sales_at_the_desk_are_not_capped(business, buyer, ten_pack):
    studio(unpaid_passes_per_customer=1)
    desk = User.objects.create_user("desk", role=User.Role.FRONTDESK)
    buy(buyer, ten_pack)
    sell(buyer, ten_pack, actor=desk)
    sell(buyer, ten_pack)  # no actor: a job or a command
    assert buyer.passes.count() == 3


# The policy for unpaid passes: usable, limited to N bookings, on hold until paid.


def reasons(info) -> list[tuple[str, str]]:
    return [(r["code"], r["message"]) for r in info.value.details["reasons"]]


def test_an_unpaid_pass_is_usable_as_usual_by_default(business, customer, ten_pack, yoga):
    sell(customer, ten_pack, session_ids=[SessionFactory(class_type=yoga).id for _ in range(3)])


def test_limited_to_n_bookings_then_unpaid_until_paid(business, customer, ten_pack, yoga):
    studio(unpaid_pass_policy=UnpaidPolicy.LIMITED, unpaid_pass_bookings=2)
    first, second, third = (SessionFactory(class_type=yoga) for _ in range(3))
    p = sell(customer, ten_pack, session_ids=[first.id, second.id])
    with refused("no_usable_pass") as info:
        bookings.book(customer.id, third.id)
    assert reasons(info) == [("unpaid", "only 2 sessions may be booked while unpaid (200.00 owed)")]
    [verdict] = explain.explain(customer.id, third.id)
    assert verdict.code is ReasonCode.UNPAID
    pay_in_full(p)
    assert bookings.book(customer.id, third.id).customer_pass_id == p.id


def test_a_cancelled_booking_gives_its_place_under_the_limit_back(
    business, customer, ten_pack, yoga
):
    studio(unpaid_pass_policy=UnpaidPolicy.LIMITED, unpaid_pass_bookings=1)
    first, second = SessionFactory(class_type=yoga), SessionFactory(class_type=yoga)
    p = sell(customer, ten_pack, session_ids=[first.id])
    with refused("no_usable_pass"):
        bookings.book(customer.id, second.id)
    bookings.cancel(p.bookings.get().id)
    assert bookings.book(customer.id, second.id).customer_pass_id == p.id


def test_a_purchase_booking_more_than_the_limit_sells_nothing(business, customer, ten_pack, yoga):
    studio(unpaid_pass_policy=UnpaidPolicy.LIMITED, unpaid_pass_bookings=1)
    sessions = [SessionFactory(class_type=yoga).id for _ in range(2)]
    with refused("pass_not_usable") as info:  # the purchase books on its own new pass
        sell(customer, ten_pack, session_ids=sessions)
    assert info.value.message == (
        "This pass cannot pay: only 1 session may be booked while unpaid (200.00 owed)."
    )
    # paid at the sale, the same purchase goes through
    sell(customer, ten_pack, payment=PaymentInput(D("200"), "card"), session_ids=sessions)


def test_on_hold_until_paid_in_full(business, customer, ten_pack, session):
    studio(unpaid_pass_policy=UnpaidPolicy.HOLD)
    p = sell(customer, ten_pack)
    with refused("no_usable_pass") as info:
        bookings.book(customer.id, session.id)
    assert reasons(info) == [("unpaid", "on hold until paid (200.00 owed)")]
    payments.record_payment(p.id, PaymentInput(D("150"), "cash"))
    with refused("pass_not_usable") as info:  # staff naming the pass get the same answer
        bookings.book(customer.id, session.id, pass_id=p.id)
    assert info.value.message == "This pass cannot pay: on hold until paid (50.00 owed)."
    pay_in_full(p)
    assert bookings.book(customer.id, session.id).customer_pass_id == p.id


def test_a_held_pass_steps_aside_for_a_paid_one(business, customer, ten_pack, session):
    studio(unpaid_pass_policy=UnpaidPolicy.HOLD)
    owing = sell(customer, ten_pack)
    paid = sell(customer, ten_pack, payment=PaymentInput(D("200"), "cash"))
    assert bookings.book(customer.id, session.id).customer_pass_id == paid.id
    verdicts = {v.pass_id: v.code for v in explain.explain(customer.id, session.id)}
    assert verdicts[owing.id] is ReasonCode.UNPAID


def test_free_and_voucher_paid_passes_are_never_held(business, customer, session):
    studio(unpaid_pass_policy=UnpaidPolicy.HOLD)
    sell(customer, ProductFactory(price=D("0")))
    bookings.book(customer.id, session.id)


# The settings.


def test_limited_needs_a_number_of_bookings(business):
    with refused("invalid_input") as info:
        records.save(Business.current(), {"unpaid_pass_policy": UnpaidPolicy.LIMITED})
    assert info.value.details["errors"][0]["field"] == "unpaid_pass_bookings"
    with refused("invalid_input"):
        records.save(Business.current(), {"unpaid_passes_per_customer": 0})
