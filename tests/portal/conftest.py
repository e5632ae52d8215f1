"""Two customers with logins, a general pass and a Pilates-only pass, some classes."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from passbook import clock
from passbook.models import Customer, User
from passbook.services import passes
from tests.factories import CategoryFactory, ClassTypeFactory, ProductFactory, SessionFactory
from tests.web.conftest import PASSWORD, password_hash


@dataclass
class Portal:
    a: Customer
    b: Customer
    general: object
    pilates_only: object
    yoga_class: object
    pilates_class: object
    later_yoga: object


def _customer(first: str) -> Customer:
    email = f"{first.lower()}@example.com"
    user = User.objects.create(username=email, email=email, password=password_hash())
    return Customer.objects.create(first_name=first, last_name="Test", email=email, user=user)


@pytest.fixture
def portal(business) -> Portal:
    yoga = ClassTypeFactory(name="Vinyasa", category=CategoryFactory(name="Yoga"))
    mat = ClassTypeFactory(name="Mat Pilates", category=CategoryFactory(name="Pilates"))
    general = ProductFactory(name="10-class pass", credits=10, price=Decimal("200"))
    pilates_only = ProductFactory(name="Pilates pass", credits=5, price=Decimal("90"), priority=1)
    pilates_only.categories.add(mat.category)
    soon = clock.now() + timedelta(days=2)
    return Portal(
        a=_customer("Ada"),
        b=_customer("Bea"),
        general=general,
        pilates_only=pilates_only,
        yoga_class=SessionFactory(class_type=yoga, starts_at=soon),
        pilates_class=SessionFactory(class_type=mat, starts_at=soon + timedelta(hours=2)),
        later_yoga=SessionFactory(class_type=yoga, starts_at=soon + timedelta(days=1)),
    )


def logged_in(customer: Customer) -> Client:
    client = Client()
    client.force_login(customer.user)
    return client


def sell(customer, product, **kw):
    return passes.sell(customer.id, product.id, **kw)


__all__ = ["PASSWORD", "logged_in", "sell"]
