"""A small studio for the back office, and a signed-in client per role."""

import functools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from passbook import clock
from passbook.models import Plan, User
from passbook.services import bookings, credit, passes, subscriptions, vouchers
from passbook.services.payments import PaymentInput
from tests.factories import (
    CategoryFactory,
    ClassTypeFactory,
    CustomerFactory,
    ProductFactory,
    ResourceFactory,
    SessionFactory,
    StaffFactory,
)

PASSWORD = "correct horse battery staple"
ROLES = ["frontdesk", "manager", "owner"]


@dataclass
class Office:
    yoga: object
    product: object
    ada: object
    bea: object
    pass_ada: object
    session: object
    booking: object
    trainer: object
    room: object
    plan: object
    voucher: object
    sub: object


@functools.cache
def password_hash() -> str:
    """Argon2 is slow by design: hash the test password once per run."""
    return make_password(PASSWORD)


@pytest.fixture
def office(business) -> Office:
    yoga = ClassTypeFactory(name="Vinyasa", category=CategoryFactory(name="Yoga"))
    ada, bea = CustomerFactory(first_name="Ada"), CustomerFactory(first_name="Bea")
    product = ProductFactory(name="10-class pass", credits=10, price=Decimal("200"))
    # 5.00 still owed, so that paying from account credit has something to pay
    pass_ada = passes.sell(ada.id, product.id, payment=PaymentInput(Decimal("195"), "card"))
    # starts in half an hour: check-in is open
    session = SessionFactory(class_type=yoga, starts_at=clock.now() + timedelta(minutes=30))
    for role in ROLES:
        User.objects.create(
            username=role, email=f"{role}@example.com", role=role, password=password_hash()
        )
    # a free plan, for a third customer: it adds no unpaid pass to the lists under test
    plan = Plan.objects.create(
        name="Monthly", product=product, interval="month", price=Decimal("0")
    )
    credit.issue(ada.id, Decimal("50"), reason="goodwill")
    voucher = vouchers.create(
        value=Decimal("25"), expires_on=clock.now().date() + timedelta(days=30)
    )
    sub = subscriptions.start(CustomerFactory(first_name="Cleo").id, plan.id)
    return Office(
        yoga,
        product,
        ada,
        bea,
        pass_ada,
        session,
        bookings.book(ada.id, session.id),
        StaffFactory(),
        ResourceFactory(),
        plan,
        voucher,
        sub,
    )


@pytest.fixture
def clients(office) -> dict[str, Client]:
    result = {"anonymous": Client()}
    for role in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=role))
        result[role] = client
    return result
