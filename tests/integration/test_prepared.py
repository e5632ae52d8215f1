"""Queries compiled once (passbook.prepared) give what their querysets give: the same
rows, the same model objects with their related rows and annotations, converted the
same way, on both databases; and their SQL follows the locking switch."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from passbook import clock
from passbook.models import Business, Customer, Notification, Pass, PassEntry, Session
from passbook.prepared import Insert, Prepared, Update
from passbook.services import bookings, errors, ledger, locks, notifications
from passbook.services.facts import with_freeze_flag
from tests.factories import CustomerFactory, SessionFactory
from tests.integration.helpers import sell

pytestmark = pytest.mark.django_db


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_objects_are_the_querysets_objects_with_their_related_rows(business):
    session = SessionFactory()

    def build(session_id):
        return Session.objects.select_related("class_type").filter(id=session_id)

    (prepared,) = Prepared(build).objects(session.id)
    (orm,) = build(session.id)
    assert fields(prepared) == fields(orm)
    with CaptureQueriesContext(connection) as asked:
        assert fields(prepared.class_type) == fields(orm.class_type)
    assert len(asked) == 0  # came in the same row, as select_related does
    assert prepared._state.adding is False and prepared._state.db == "default"


def test_annotations_and_converted_values_are_the_querysets(business, customer, ten_pack):
    sold = [sell(customer, ten_pack) for _ in range(2)]

    def build(customer_id):
        return with_freeze_flag(Pass.objects.filter(customer_id=customer_id))

    prepared = Prepared(build).objects(customer.id)
    orm = list(build(customer.id))
    assert [fields(p) for p in prepared] == [fields(p) for p in orm]
    assert [p.has_freezes for p in prepared] == [p.has_freezes for p in orm] == [False, False]
    assert {type(p.total) for p in prepared} == {type(sold[0].total)}  # Decimal on both
    business.refresh_from_db()
    (settings_row,) = Prepared(lambda: Business.objects.filter(pk=1)).objects()
    assert model_to_dict(settings_row) == model_to_dict(Business.objects.get(pk=1))


def test_rows_of_a_union_are_the_querysets_rows(business, customer, ten_pack):
    session = SessionFactory(starts_at=clock.now() + timedelta(days=1))
    sell(customer, ten_pack)
    bookings.book(customer.id, session.id)
    other = CustomerFactory()
    query = bookings._who_is_in_query
    assert Prepared(query).rows(other.id, session.id) == list(query(other.id, session.id))
    assert Prepared(query).rows(other.id, session.id) == [(customer.id, bookings._BOOKED)]


def test_each_run_takes_its_own_values(business):
    a, b = CustomerFactory(), CustomerFactory()
    by_id = Prepared(lambda customer_id: Customer.objects.filter(id=customer_id))
    assert [c.id for c in by_id.objects(a.id)] == [a.id]
    assert [c.id for c in by_id.objects(b.id)] == [b.id]
    assert by_id.objects(b.id + 1000) == []


def test_an_argument_that_does_not_reach_the_sql_is_refused_when_compiled(business):
    ignoring = Prepared(lambda customer_id: Customer.objects.all())
    with pytest.raises(AssertionError, match="do not reach the SQL"):
        ignoring.rows(1)


def test_the_sql_follows_the_locking_switch(business, settings):
    lock = locks._CUSTOMER
    settings.PASSBOOK_LOCKING = True
    locked = lock._compiled().sql
    settings.PASSBOOK_LOCKING = False
    unlocked = lock._compiled().sql
    assert "FOR UPDATE" not in unlocked
    assert ("FOR UPDATE" in locked) == (connection.vendor == "postgresql")


def test_the_locks_refuse_unknown_and_malformed_ids(business):
    with pytest.raises(errors.NotFound) as unknown:
        locks.session(987654)
    assert unknown.value.details.get("session_ids") == [987654]
    for bad in ("abc", None, 987654):
        with pytest.raises(errors.NotFound, match="No such customer"):
            locks.customer(bad)  # type: ignore[arg-type]


def test_an_insert_writes_the_row_save_would_write(pinned, business, customer, ten_pack):
    p = sell(customer, ten_pack)
    made = ledger.entry_for(p, ledger.EntryKind.ADJUST, 2, reason="by hand")
    Insert(PassEntry).save(made)
    assert made.pk is not None and not made._state.adding and made._state.db == "default"
    twin = ledger.entry_for(p, ledger.EntryKind.ADJUST, 2, reason="by hand")
    twin.save(force_insert=True)
    stored = {e.pk: fields(e) for e in PassEntry.objects.filter(pk__in=[made.pk, twin.pk])}
    assert {**stored[made.pk], "id": 0} == {**stored[twin.pk], "id": 0}


def test_an_insert_ignoring_conflicts_skips_a_duplicate_key(business, customer):
    first = notifications.message("booking_confirmed", "k:1", customer, "Hi", "First")
    again = notifications.message("booking_confirmed", "k:1", customer, "Hi", "Again")
    for m in (first, again):
        Insert(Notification, ignore_conflicts=True).save(m)
    assert list(Notification.objects.values_list("key", "body")) == [("k:1", "First")]


def test_an_update_writes_its_fields_and_nulls_both_ways(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    counters = Update(Pass, "held", "voided_at")
    for held, voided in ((3, clock.now()), (4, None), (5, clock.now())):
        p.held, p.voided_at, p.name = held, voided, "not written"
        counters.save(p)
        again = Pass.objects.get(pk=p.pk)
        assert (again.held, again.voided_at, again.name) == (held, voided, ten_pack.name)


def test_an_update_of_a_row_gone_fails_like_save(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    p.pk = p.pk + 1000
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        Update(Pass, "held").save(p)


def test_only_plain_values_are_sent(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    p.held = F("held") + 1
    with pytest.raises(AssertionError, match="plain values"):
        Insert(Pass).save(p)


def test_a_text_argument_takes_its_place(business):
    ada = CustomerFactory(email="ada@example.com")
    by_email = Prepared(lambda email: Customer.objects.filter(email=email))
    assert [c.id for c in by_email.objects("ada@example.com")] == [ada.id]
    assert by_email.objects("nobody@example.com") == []


def test_a_new_statement_never_runs_an_old_ones_sql(business):
    """Statements come and go (here); each keeps its own SQL even if Python gives a new
    one the id of one that is gone."""
    ada = CustomerFactory(email="ada@example.com")
    for _ in range(30):
        assert Prepared(lambda customer_id: Customer.objects.filter(id=customer_id)).rows(ada.id)
        by_email = Prepared(lambda email: Customer.objects.filter(email=email))
        assert [c.id for c in by_email.objects("ada@example.com")] == [ada.id]


def test_an_id_no_column_can_hold_is_not_found(business):
    for huge in (2**63, -(2**63) - 1, 2**80):
        with pytest.raises(errors.NotFound):
            locks.customer(huge)
        with pytest.raises(errors.NotFound):
            locks.session(huge)


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused_every_time(business):
    ada = CustomerFactory()
    with transaction.atomic():
        locks.customer(ada.id)  # compiled here, inside a transaction
    if connection.features.has_select_for_update:  # PostgreSQL; SQLite locks at BEGIN
        with pytest.raises(TransactionManagementError):
            locks.customer(ada.id)
