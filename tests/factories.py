"""Test data. Catalog rows are plain factories; passes and bookings go through services."""

from datetime import datetime, timedelta
from decimal import Decimal

import factory

from passbook import clock
from passbook.models import Category, ClassType, Customer, PassProduct, Resource, Session, Staff


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["name"]

    name = "Yoga"


class ClassTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassType
        django_get_or_create = ["name"]

    name = "Vinyasa"
    category = factory.SubFactory(CategoryFactory)
    duration_minutes = 60
    capacity = 10
    credit_cost = Decimal("1.00")
    drop_in_price = Decimal("25.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PassProduct

    name = factory.Sequence(lambda n: f"Pass {n}")
    price = Decimal("100.00")
    credits = Decimal("10")
    validity_unit = "months"
    validity_count = 3


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Sequence(lambda n: f"Customer{n}")
    last_name = "Test"
    email = factory.LazyAttribute(lambda c: f"{c.first_name.lower()}@example.com")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    name = factory.Sequence(lambda n: f"Teacher {n}")


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    name = factory.Sequence(lambda n: f"Room {n}")


def _in_days(days: float) -> datetime:
    return clock.now() + timedelta(days=days)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    class_type = factory.SubFactory(ClassTypeFactory)
    # within a few days whatever the sequence number, so short passes still cover it
    starts_at = factory.Sequence(lambda n: _in_days(2) + timedelta(hours=n % 72))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=1))
    capacity = 10
    credit_cost = Decimal("1.00")
