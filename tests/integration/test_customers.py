"""Customers added at the desk: the same email or phone already on file asks first."""

from passbook.models import Customer
from passbook.services import customers
from tests.factories import CustomerFactory
from tests.integration.helpers import refused


def test_a_walk_in_gets_a_record(business):
    c = customers.add({"first_name": "Noor", "last_name": "Haddad", "phone": "07700 900123"})
    assert Customer.objects.get(pk=c.pk).name == "Noor Haddad"


def test_the_same_email_in_any_case_is_a_possible_duplicate(business):
    ada = CustomerFactory(first_name="Ada", email="ada@example.com")
    with refused("possible_duplicate") as info:
        customers.add({"first_name": "Ada", "email": " ADA@example.com "})
    assert info.value.details["matches"] == [{"id": ada.id, "name": ada.name}]


def test_the_same_phone_with_other_punctuation_is_a_possible_duplicate(business):
    CustomerFactory(first_name="Ben", phone="+44 7700 900-123")
    with refused("possible_duplicate"):
        customers.add({"first_name": "Bo", "phone": "447700900123"})
    assert customers.already_on_file("", "7700 900 124") == []  # another number
    assert customers.already_on_file("", "123") == []  # too short to compare


def test_staff_may_add_another_person_with_the_same_phone(business):
    CustomerFactory(first_name="Ben", phone="07700 900123")
    sister = customers.add({"first_name": "Bea", "phone": "07700 900123"}, even_if_on_file=True)
    assert Customer.objects.filter(phone="07700 900123").count() == 2 and sister.pk


def test_bad_fields_are_refused_and_nothing_is_added(business):
    with refused("invalid_input"):
        customers.add({"first_name": "", "email": "not an email"})
