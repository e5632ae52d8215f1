"""Undo an import batch: delete every record it created, its ledger entries included, while
nothing has happened to them since (docs/import.md, "Undoing an import").

"Nothing has happened" is checked under the locks: no record of the batch was edited (its
digest, taken when it was written, is the same), no other record points at one of them (a
booking, a payment, a waitlist place, a login …), and no ledger entry but the batch's own
was appended to a pass it wrote to. The ledger is append-only; on PostgreSQL its trigger
lets through only the DELETEs of the batch this transaction names (`SET LOCAL
passbook.undo_import_batch`, migration 0025).
"""

import hashlib
import logging
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet

from passbook import clock
from passbook.models import (
    Booking,
    Customer,
    ImportBatch,
    Pass,
    PassEntry,
    PassProduct,
    Payment,
    Plan,
    Subscription,
    User,
)
from passbook.models.imports import ImportedRecord
from passbook.rules import ledger as rules
from passbook.services import errors, locks

log = logging.getLogger("passbook.imports")


class _Made:
    """What one batch created, as querysets (subqueries, however many rows)."""

    def __init__(self, batch: ImportBatch) -> None:
        records = ImportedRecord.objects.filter(batch=batch)
        self.records = records
        self.customers = Customer.objects.filter(import_batch=batch)
        self.products = PassProduct.objects.filter(import_batch=batch)
        self.passes = Pass.objects.filter(import_batch=batch)
        self.bookings = Booking.objects.filter(id__in=records.values("booking_id"))
        self.subscriptions = Subscription.objects.filter(id__in=records.values("subscription_id"))
        self.plans = Plan.objects.filter(id__in=records.values("plan_id"))
        # The batch's entries: on its passes, and on the passes paying for its bookings.
        paying = self.bookings.values("customer_pass_id")
        self.entries = PassEntry.objects.filter(
            Q(customer_pass__in=self.passes) | Q(customer_pass__in=paying),
            reason__startswith=batch.label,
        )
        self.payments = Payment.objects.filter(
            customer_pass__in=self.passes, reference=f"import:{batch.id}"
        )
        # Passes from before the batch that its bookings are paid by.
        self.older_passes = Pass.objects.filter(id__in=paying).exclude(import_batch=batch)

    def owned(self) -> dict[type[Model], QuerySet]:
        return {
            Customer: self.customers,
            PassProduct: self.products,
            Pass: self.passes,
            Booking: self.bookings,
            Subscription: self.subscriptions,
            Plan: self.plans,
            PassEntry: self.entries,
            Payment: self.payments,
            ImportedRecord: self.records,
        }


def digest(batch: ImportBatch) -> str:
    """A fingerprint of every field of every record the batch created."""
    made = _Made(batch)
    sha = hashlib.sha256()
    for model, qs in made.owned().items():
        if model in (PassEntry, ImportedRecord):
            continue  # appended, never edited; checked on their own
        for row in qs.order_by("pk").values_list():
            sha.update(repr((model.__name__, row)).encode())
    return sha.hexdigest()


@transaction.atomic
def undo(batch_id: int, *, actor: User | None = None) -> ImportBatch:
    """Delete what the batch created, or refuse (`import_not_undoable`) and change nothing."""
    found = locks.get(ImportBatch, batch_id, "No such import batch.")
    made = _Made(found)
    # The lock order: the booked sessions, then every customer whose records change; two
    # undos of one batch wait for each other there, and the second finds it undone.
    locks.sessions(made.bookings.values_list("session_id", flat=True))
    owners = Customer.objects.filter(
        Q(id__in=made.customers.values("id"))
        | Q(id__in=made.passes.values("customer_id"))
        | Q(id__in=made.bookings.values("customer_id"))
        | Q(id__in=made.subscriptions.values("customer_id"))
        | Q(id__in=made.older_passes.values("customer_id"))
    )
    locks.customers(owners.values_list("id", flat=True))
    found.refresh_from_db()
    _check_untouched(found, made)
    counts = _delete(found, made)
    found.undone_at, found.undone_by = clock.now(), actor
    found.save(update_fields=["undone_at", "undone_by"])
    log.info("%s undone: %s deleted, by %s", found.label, counts, actor or "the command line")
    return found


def _check_untouched(batch: ImportBatch, made: _Made) -> None:
    if batch.undone_at is not None:
        raise errors.ImportNotUndoable("This import was undone already.")
    touched = PassEntry.objects.filter(
        Q(customer_pass__in=made.passes) | Q(customer_pass__in=made.older_passes),
        id__gt=_first_entry(made),
    ).exclude(id__in=made.entries.values("id"))
    if touched.exists():
        raise errors.ImportNotUndoable("Credits of a pass it wrote to were used or changed since.")
    owned = made.owned()
    for model, qs in owned.items():
        found = _pointing_at(model, qs, owned)
        if found:
            raise errors.ImportNotUndoable(
                f"{found.capitalize()} now refer to {model._meta.verbose_name_plural} it created."
            )
    # Last: an entry or a new record also changes the digest, and says more.
    if digest(batch) != batch.digest:
        raise errors.ImportNotUndoable(
            "A customer, product, pass, booking or subscription it created was edited since."
        )


def _first_entry(made: _Made) -> int:
    first = made.entries.order_by("id").values_list("id", flat=True).first()
    return first if first is not None else 0


def _pointing_at(model: type[Model], qs: QuerySet, owned: dict[type[Model], QuerySet]) -> str:
    """The name of any other kind of row pointing at the batch's rows of `model` (rows the
    batch itself created do not count); "" when none."""
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.is_relation):
            continue
        if relation.many_to_many:
            continue  # its link rows come up through the link table's own relation
        related: Any = relation.related_model
        field = relation.field.name  # type: ignore[union-attr]  # reverse relations have .field
        pointing = related._default_manager.filter(**{f"{field}__in": qs.values("pk")})
        if related in owned:
            pointing = pointing.exclude(pk__in=owned[related].values("pk"))
        if pointing.exists():
            return str(related._meta.verbose_name_plural)
    return ""


def _delete(batch: ImportBatch, made: _Made) -> dict[str, int]:
    if connection.vendor == "postgresql":
        # The ledger trigger's one exception, for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('passbook.undo_import_batch', %s, true)", [str(batch.id)]
            )
    older = list(made.older_passes)
    counts = {"pass entries": made.entries.delete()[0]}
    for p in older:  # their counters are again the fold of the entries they keep
        _refold(p)
    # Children before their parents; a booking's or subscription's record goes with it.
    for name, qs in (
        ("payments", made.payments),
        ("bookings", made.bookings),
        ("subscriptions", made.subscriptions),
        ("plans", made.plans),
        ("passes", made.passes),
        ("customers", made.customers),
        ("products", made.products),
    ):
        counts[name] = qs.delete()[1].get(qs.model._meta.label, 0)
    return counts


def _refold(p: Pass) -> None:
    after = rules.fold([e.as_rule for e in p.entries.order_by("id")])
    p.total, p.held, p.used = after.total, after.held, after.used
    p.starts_at, p.expires_at = after.starts_at, after.expires_at
    p.save(update_fields=["total", "held", "used", "starts_at", "expires_at"])
