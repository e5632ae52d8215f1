"""`field__among`: the batch jobs' `__in` for long id lists (one array on PostgreSQL)."""

from passbook.models import Customer, Pass
from tests.factories import CustomerFactory


def test_among_finds_the_rows_whose_value_is_listed(db):
    ada, bea, _cy = CustomerFactory.create_batch(3)
    found = Customer.objects.filter(id__among=[ada.id, bea.id, ada.id, 10**9])
    assert sorted(found.values_list("id", flat=True)) == [ada.id, bea.id]
    assert list(Customer.objects.filter(id__among=[])) == []
    assert Customer.objects.exclude(id__among=[ada.id]).count() == 2


def test_among_works_on_foreign_keys_and_in_updates(db):
    ada, bea = CustomerFactory.create_batch(2)
    assert Customer.objects.filter(id__among=[ada.id]).update(notes="hi") == 1
    assert Customer.objects.get(pk=bea.id).notes == ""
    assert list(Pass.objects.filter(customer_id__among=[ada.id])) == []
