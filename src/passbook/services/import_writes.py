"""The import's set-based write path for the rows there are many of: customers, and passes
with their ledger entries and payments, a chunk at a time, each chunk a few INSERTs
(`bulk_create`) instead of about seven statements a pass (docs/import.md, "Speed").

It writes exactly what writing one row at a time writes (`imports.ONE_BY_ONE`; compared in
tests/properties/test_import_bulk_matches_one_by_one.py): the records are built by the
same functions here, and a pass's entries are the GRANT and the HOLD and CONSUME that
`ledger.open_pass` and `ledger.append` would append, its counters their fold. Runs inside
`imports.run`'s transaction, with the booked sessions already locked (the lock order).
"""

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model, prefetch_related_objects

from passbook import clock
from passbook.models import Customer, ImportBatch, Pass, PassEntry, Payment, User
from passbook.models.fields import MOST_CREDITS
from passbook.rules import ledger as rules
from passbook.rules.calendar import end_of_day, start_of_day
from passbook.rules.ledger import EntryKind
from passbook.services import errors, ledger, locks
from passbook.services.passes import new_pass

# Rows a chunk writes: big enough that round trips do not count, small enough that a
# chunk's INSERT stays well under PostgreSQL's 65,535 parameters (a pass has ~30 columns).
CHUNK = 1000

Progress = Callable[[int], None]  # told how many more records were written


def record_made(record: Any, made: dict) -> Any:
    """The record a row refers to: one already here, or the one this import wrote for a
    row of its files (an imports.Item, by its id in `made`)."""
    return record if isinstance(record, Model) else made[id(record)]


def customer_for(item: Any, batch: ImportBatch) -> Customer:
    """A customers row's record, not yet saved."""
    v = item.values
    return Customer(
        first_name=v["first_name"],
        last_name=v["last_name"],
        email=v["email"],
        phone=v["phone"],
        notes=v["notes"],
        external_id=v["external_id"],
        import_batch=batch,
    )


def pass_for(item: Any, batch: ImportBatch, made: dict, customer: Customer, actor) -> Pass:
    """A passes row's pass as it stands before its ledger entries, not yet saved: its
    product's rules, the file's total, days and price, and the amount paid before."""
    v = item.values
    product = record_made(v["product"], made)
    tz = made["tz"]
    if ("rules", product.pk) not in made:  # its restrictions, read once, not per pass
        prefetch_related_objects([product], "categories", "class_types")
        made["rules", product.pk] = True
    p = new_pass(customer, product, v["price"], Pass.Source.IMPORT, actor)
    p.total = v["total"]
    p.starts_at = start_of_day(v["starts_on"], tz) if v["starts_on"] else None
    p.expires_at = end_of_day(v["expires_on"], tz) if v["expires_on"] else None
    p.purchased_at = start_of_day(v["purchased_on"], tz)
    p.external_id, p.import_batch = v["external_id"], batch
    p.amount_paid = v["amount_paid"]  # the payment, recorded with the pass
    return p


def payment_for(p: Pass, batch: ImportBatch, actor) -> Payment:
    """What the customer paid for the pass before the move, not yet saved."""
    return Payment(
        customer=p.customer,
        customer_pass=p,
        amount=p.amount_paid,
        method=Payment.Method.CARD,
        received_at=p.purchased_at,
        reference=f"import:{batch.id}",
        note=f"Paid before the move; {batch.label}",
        recorded_by=actor,
        recorded_at=clock.now(),
    )


def write_customers(
    items: Sequence[Any], batch: ImportBatch, made: dict, actor: User | None, progress: Progress
) -> None:
    for chunk in _chunks(items):
        records = Customer.objects.bulk_create([customer_for(i, batch) for i in chunk])
        made.update((id(i), r) for i, r in zip(chunk, records, strict=True))
        progress(len(chunk))


def write_passes(
    items: Sequence[Any], batch: ImportBatch, made: dict, actor: User | None, progress: Progress
) -> None:
    """The passes, their entries and payments; the customers already here who get one are
    locked first, together, in id order."""
    owners = (record_made(i.values["customer"], made) for i in items)
    locks.customers(c.id for c in owners if c.import_batch_id != batch.id)
    for chunk in _chunks(items):
        passes, entries, payments = [], [], []
        for item in chunk:
            customer = record_made(item.values["customer"], made)
            p = pass_for(item, batch, made, customer, actor)
            entries.extend(_opened(p, item.values["used"], actor, batch.label))
            passes.append(p)
            if p.amount_paid:
                payments.append(payment_for(p, batch, actor))
            made[id(item)] = p
        # Parents first: bulk_create gives each its id, which the children then take.
        Pass.objects.bulk_create(passes)
        PassEntry.objects.bulk_create(entries)
        Payment.objects.bulk_create(payments)
        progress(len(chunk))


def analyze() -> None:
    """Give PostgreSQL's planner the sizes of the tables just written. It plans the queries
    that follow in the transaction (the batch's digest joins its passes and payments) from
    statistics taken before, when the tables may have been empty, and a nested loop over
    100,000 passes takes minutes. Without the owner's rights ANALYZE only warns."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(m._meta.db_table for m in (Customer, Pass, PassEntry, Payment))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _opened(p: Pass, used: Decimal, actor: User | None, reason: str) -> list[PassEntry]:
    """The GRANT, and the HOLD and CONSUME of what was used before the move; the pass's
    counters become their fold, as appending them one by one leaves them."""
    entries = [ledger.grant(p, actor=actor, reason=reason)]
    if used:
        entries += [
            ledger.entry_for(p, kind, used, actor=actor, reason=reason)
            for kind in (EntryKind.HOLD, EntryKind.CONSUME)
        ]
    after = rules.fold([e.as_rule for e in entries])
    if max(after.total or 0, after.held, after.used) > MOST_CREDITS:  # as ledger.append
        raise errors.InvalidInput(f"A pass holds at most {MOST_CREDITS:,} credits.", field="amount")
    p.total, p.held, p.used = after.total, after.held, after.used
    return entries


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
