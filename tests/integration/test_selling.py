"""Selling a pass: snapshot of the rules, optional payment, sessions booked at once."""

from datetime import date

from passbook.models import Booking, Pass, PassEntry, Payment
from passbook.rules.ledger import EntryKind
from passbook.services.payments import PaymentInput
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory, SessionFactory
from tests.integration.helpers import D, counters, fresh, refused, sell


def test_a_sale_grants_the_credits_and_logs_it(business, customer, ten_pack):
    p = sell(customer, ten_pack)
    assert counters(p) == (D("10"), D("0"), D("0"), D("10"))
    assert p.price == D("200") and p.source == Pass.Source.SALE
    assert p.starts_at is not None and p.expires_at > p.starts_at
    [entry] = p.entries.all()
    assert entry.kind == EntryKind.GRANT and entry.amount == D("10")


def test_the_pass_keeps_a_snapshot_of_its_products_rules(business, customer):
    pilates = CategoryFactory(name="Pilates")
    product = ProductFactory(credits=5, priority=2, max_per_day=1)
    product.categories.add(pilates)
    p = sell(customer, product)
    product.credits, product.priority, product.name = 50, 0, "Renamed"
    product.save()
    product.categories.clear()
    p = fresh(p)
    assert (p.total, p.priority, p.name, p.category_ids) == (D("5"), 2, p.name, [pilates.id])
    assert p.restriction_label == "Pilates" and p.name != "Renamed"


def test_a_staff_price_overrides_the_list_price(business, customer, ten_pack):
    assert sell(customer, ten_pack, price=D("150")).price == D("150")


def test_a_sale_with_payment_and_two_sessions_booked_at_once(business, customer, ten_pack, yoga):
    s1, s2 = SessionFactory(class_type=yoga), SessionFactory(class_type=yoga)
    p = sell(customer, ten_pack, payment=PaymentInput(D("200"), "card"), session_ids=[s2.id, s1.id])
    assert counters(p) == (D("10"), D("2"), D("0"), D("8"))
    assert set(p.bookings.values_list("session_id", flat=True)) == {s1.id, s2.id}
    assert fresh(p).amount_paid == D("200")


def test_all_or_nothing_when_one_session_is_full(business, customer, ten_pack, yoga):
    free = SessionFactory(class_type=yoga)
    full = SessionFactory(class_type=yoga, capacity=1)
    sell(CustomerFactory(), ten_pack, session_ids=[full.id])  # takes the only place
    with refused("session_full"):
        sell(
            customer,
            ten_pack,
            payment=PaymentInput(D("200"), "cash"),
            session_ids=[free.id, full.id],
        )
    assert not customer.passes.exists() and not Payment.objects.filter(customer=customer).exists()


def test_archived_products_cannot_be_sold(business, customer):
    archived = ProductFactory(archived=True)
    with refused("product_archived"):
        sell(customer, archived)


def test_bad_input_is_refused(business, customer, ten_pack):
    with refused("invalid_input"):
        sell(customer, ten_pack, price=D("-1"))
    with refused("invalid_input"):
        sell(customer, ten_pack, payment=PaymentInput(D("10"), "bitcoin"))
    with refused("not_found"):
        sell(customer, ten_pack, session_ids=[987654])
    with refused("not_found"):
        sell(customer.__class__(id=987654), ten_pack)


def test_a_first_booking_pass_starts_at_its_earliest_booked_session(business, customer, yoga):
    intro = ProductFactory(start_rule="first_booking", validity_unit="days", validity_count=14)
    p = sell(customer, intro)
    assert fresh(p).starts_at is None
    later, earlier = SessionFactory(class_type=yoga), SessionFactory(class_type=yoga)
    p2 = sell(customer, intro, session_ids=[later.id, earlier.id])
    p2 = fresh(p2)
    first = min(later.starts_at, earlier.starts_at)
    start_day = first.astimezone(business.tz).date()
    assert p2.starts_at.date() == start_day
    assert (p2.expires_at.date() - start_day).days == 13
    assert p2.entries.filter(kind=EntryKind.VALIDITY).count() == 1


def test_a_fixed_date_product_starts_and_ends_on_its_dates(business, customer):
    product = ProductFactory(
        start_rule="fixed_date",
        start_date=date(2027, 1, 10),
        validity_unit="",
        validity_count=None,
        valid_until=date(2027, 3, 31),
    )
    p = sell(customer, product)
    assert p.starts_at.date() == date(2027, 1, 10) and p.expires_at.date() == date(2027, 3, 31)


def test_unlimited_products_sell_unlimited_passes(business, customer):
    p = sell(customer, ProductFactory(credits=None))
    assert fresh(p).total is None and PassEntry.objects.get(customer_pass=p).amount is None
    assert Booking.objects.count() == 0
