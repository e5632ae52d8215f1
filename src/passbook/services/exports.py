"""`passbook export`: everything a studio has, as a zip of CSV files with a README.

The studio's data is its own: customers, products, passes with their whole ledger,
bookings, payments, subscriptions, vouchers, credit notes, waitlists and online checkouts
and refunds. customers.csv, products.csv,
passes.csv, subscriptions.csv and bookings.csv use the generic import preset's columns, so
the zip can be given to `passbook import` as it is (docs/import.md). Cells are written
formula-safe.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from passbook import clock
from passbook.models import (
    Booking,
    Business,
    CreditNote,
    Customer,
    GiftVoucher,
    OnlineCheckout,
    OnlineRefund,
    Pass,
    PassEntry,
    PassProduct,
    Payment,
    Subscription,
    WaitlistEntry,
)
from passbook.models.imports import ImportedRecord
from passbook.rules.calendar import local_date
from passbook.web.exports import safe_cell


def external_id(record: Any) -> str:
    """The id a record goes by outside Passbook: the one it was imported with, or ours."""
    if record is None:
        return ""
    return getattr(record, "external_id", "") or f"passbook:{record.pk}"


@dataclass(frozen=True)
class Sheet:
    name: str
    about: str
    columns: list[tuple[str, str]]  # (column, what it holds)
    rows: Callable[[], Iterable[list[Any]]]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return safe_cell(value)


def _imported_ids(kind: str) -> dict[int, str]:
    """The external ids bookings or subscriptions were imported with, by their id."""
    field = f"{kind}_id"
    records = ImportedRecord.objects.filter(kind=kind).values_list(field, "external_id")
    return dict(records.iterator())


def _sheets() -> list[Sheet]:
    tz = Business.current().tz

    def day(moment: datetime | None) -> date | None:
        return local_date(moment, tz) if moment is not None else None

    def customers() -> Iterator[list[Any]]:
        for c in Customer.objects.order_by("id").iterator():
            yield [
                external_id(c),
                c.first_name,
                c.last_name,
                c.email,
                c.phone,
                c.notes,
                c.created_at,
                c.id,
            ]

    def products() -> Iterator[list[Any]]:
        for p in PassProduct.objects.order_by("id").iterator():
            yield [
                external_id(p),
                p.name,
                p.price,
                "unlimited" if p.credits is None else p.credits,
                p.validity_unit,
                p.validity_count,
                p.valid_until,
                p.start_rule,
                p.start_date,
                p.priority,
                p.max_per_day,
                p.max_per_week,
                p.online_purchasable,
                p.archived,
                p.description,
                p.id,
            ]

    def passes() -> Iterator[list[Any]]:
        qs = Pass.objects.select_related("customer", "product").order_by("id")
        for p in qs.iterator():
            yield [
                external_id(p),
                external_id(p.customer),
                p.customer.email,
                external_id(p.product),
                p.product.name,
                day(p.purchased_at),
                day(p.starts_at),
                day(p.expires_at),
                "unlimited" if p.total is None else p.total,
                p.used,
                p.held,
                "" if p.remaining is None else p.remaining,
                p.price,
                p.amount_paid,
                day(p.voided_at),
                p.name,
                p.source,
                p.purchased_at,
                p.id,
            ]

    def entries() -> Iterator[list[Any]]:
        qs = PassEntry.objects.select_related("customer_pass").order_by("id")
        for e in qs.iterator():
            yield [
                external_id(e.customer_pass),
                e.kind,
                e.amount,
                e.starts_at,
                e.expires_at,
                e.booking_id,
                e.reason,
                e.created_at,
                e.id,
            ]

    def bookings() -> Iterator[list[Any]]:
        qs = Booking.objects.select_related(
            "customer", "customer_pass", "session__class_type"
        ).order_by("id")
        imported = _imported_ids(ImportedRecord.Kind.BOOKING)
        for b in qs.iterator():
            yield [
                imported.get(b.id) or f"passbook:{b.id}",
                b.id,
                external_id(b.customer),
                b.session.class_type.name,
                b.session.starts_at,
                b.status,
                b.paid_by,
                external_id(b.customer_pass) if b.customer_pass else "",
                b.credits,
                b.created_at,
                b.checked_in_at,
                b.cancelled_at,
            ]

    def payments() -> Iterator[list[Any]]:
        qs = Payment.objects.select_related("customer", "customer_pass", "voucher")
        for m in qs.order_by("id").iterator():
            yield [
                m.id,
                external_id(m.customer),
                external_id(m.customer_pass) if m.customer_pass else "",
                m.booking_id,
                m.voucher.code if m.voucher else "",
                m.amount,
                m.method,
                m.received_at,
                m.reference,
                m.note,
            ]

    def subscriptions() -> Iterator[list[Any]]:
        qs = Subscription.objects.select_related("customer", "plan__product")
        imported = _imported_ids(ImportedRecord.Kind.SUBSCRIPTION)
        for s in qs.order_by("id").iterator():
            yield [
                imported.get(s.id) or f"passbook:{s.id}",
                s.id,
                external_id(s.customer),
                s.plan.name,
                s.plan.interval,
                s.plan.price,
                external_id(s.plan.product),
                s.status,
                s.anchor,
                s.period_start,
                s.period_end,
                s.cancel_at_period_end,
                s.created_at,
            ]

    def vouchers() -> Iterator[list[Any]]:
        qs = GiftVoucher.objects.select_related("product", "sold_to", "redeemed_by")
        for v in qs.order_by("id").iterator():
            yield [
                v.code,
                v.value,
                external_id(v.product) if v.product else "",
                v.expires_on,
                v.note,
                external_id(v.sold_to) if v.sold_to else "",
                v.price,
                external_id(v.redeemed_by) if v.redeemed_by else "",
                v.redeemed_at,
                v.created_at,
            ]

    def credit_notes() -> Iterator[list[Any]]:
        qs = CreditNote.objects.select_related("customer").order_by("id")
        for n in qs.iterator():
            yield [n.id, external_id(n.customer), n.amount, n.reason, n.payment_id, n.created_at]

    def waitlist() -> Iterator[list[Any]]:
        qs = WaitlistEntry.objects.select_related("customer", "session__class_type")
        for w in qs.order_by("id").iterator():
            yield [
                w.id,
                external_id(w.customer),
                w.session.class_type.name,
                w.session.starts_at,
                w.status,
                w.joined_at,
                w.auto_promote_late,
                w.drop_in,
                w.offer_expires_at,
                w.ended_at,
                w.booking_id,
            ]

    def checkouts() -> Iterator[list[Any]]:
        qs = OnlineCheckout.objects.select_related("customer_pass")
        for c in qs.order_by("id").iterator():
            yield [
                c.id,
                external_id(c.customer_pass),
                c.amount,
                c.currency,
                c.status,
                c.intent_id,  # the payment provider's id; its client secret is not exported
                c.failure,
                c.created_at,
                c.updated_at,
            ]

    def refunds() -> Iterator[list[Any]]:
        for r in OnlineRefund.objects.order_by("id").iterator():
            yield [
                r.id,
                r.checkout_id,
                r.renewal_charge_id,
                r.gift_id,
                r.amount,
                r.status,
                r.refund_id,
                r.requested_at,
            ]

    pid = ("passbook_id", "the record's id in this Passbook")
    return [
        Sheet(
            "customers",
            "One row per customer.",
            [
                ("external_id", "the id it was imported with, or passbook:<id>"),
                ("first_name", "first name"),
                ("last_name", "last name"),
                ("email", "email address"),
                ("phone", "phone number"),
                ("notes", "staff notes"),
                ("created_at", "when the record was added (ISO 8601)"),
                pid,
            ],
            customers,
        ),
        Sheet(
            "products",
            "One row per pass product (what is sold).",
            [
                ("external_id", "the id it was imported with, or passbook:<id>"),
                ("name", "product name"),
                ("price", "list price"),
                ("credits", "credits per pass, or 'unlimited'"),
                ("validity_unit", "days, weeks or months (empty: no duration)"),
                ("validity_count", "how many validity units"),
                ("valid_until", "a fixed last day (YYYY-MM-DD)"),
                ("start_rule", "purchase, first_booking or fixed_date"),
                ("start_date", "the fixed start day"),
                ("priority", "higher is spent first"),
                ("max_per_day", "cap per day"),
                ("max_per_week", "cap per ISO week"),
                ("online_purchasable", "yes/no"),
                ("archived", "yes/no"),
                ("description", "description"),
                pid,
            ],
            products,
        ),
        Sheet(
            "passes",
            "One row per pass a customer holds (voided ones too).",
            [
                ("external_id", "the id it was imported with, or passbook:<id>"),
                ("customer_external_id", "its customer (customers.csv external_id)"),
                ("customer_email", "its customer's email"),
                ("product_external_id", "its product (products.csv external_id)"),
                ("product", "its product's name"),
                ("purchased_on", "day of purchase, in the studio's time zone"),
                ("starts_on", "first valid day (empty: starts on first booking)"),
                ("expires_on", "last valid day (empty: no expiry)"),
                ("total", "credits, or 'unlimited'"),
                ("used", "credits used (attended, late-cancelled, no-show)"),
                ("held", "credits held by booked sessions still to come"),
                ("remaining", "total - used - held (empty when unlimited)"),
                ("price", "price charged"),
                ("amount_paid", "paid less refunds"),
                ("voided_on", "day it was voided (empty: not voided)"),
                ("name", "the pass's name"),
                ("source", "sale, subscription, voucher, import …"),
                ("purchased_at", "moment of purchase (ISO 8601)"),
                pid,
            ],
            passes,
        ),
        Sheet(
            "pass_entries",
            "The ledger: every change to every pass, in order; each "
            "pass's counters are the fold of its entries (docs/domain.md).",
            [
                ("pass_external_id", "the pass (passes.csv external_id)"),
                (
                    "kind",
                    "grant, hold, release, consume, unconsume, set_total, adjust, "
                    "validity, forfeit, void, priority",
                ),
                ("amount", "credits (or the new total/priority)"),
                ("starts_at", "the pass's start after the entry"),
                ("expires_at", "the pass's expiry after the entry"),
                ("booking_id", "the booking it was for (bookings.csv passbook_id)"),
                ("reason", "why (staff edits, imports)"),
                ("created_at", "when"),
                pid,
            ],
            entries,
        ),
        Sheet(
            "bookings",
            "One row per booking. Imported back, the bookings still to come are made again "
            "(into sessions already on the timetable); the others are history, kept in their "
            "passes' used credits.",
            [
                ("external_id", "the id it was imported with, or passbook:<id>"),
                ("passbook_id", "the booking's id"),
                ("customer_external_id", "who"),
                ("class_type", "what"),
                ("session_starts_at", "when the session starts (ISO 8601)"),
                ("status", "booked, attended, cancelled, late_cancelled, no_show …"),
                ("paid_by", "pass or drop_in"),
                ("pass_external_id", "the pass it is on"),
                ("credits", "credits it holds or used"),
                ("created_at", "when booked"),
                ("checked_in_at", "when checked in"),
                ("cancelled_at", "when cancelled"),
            ],
            bookings,
        ),
        Sheet(
            "payments",
            "Money received (positive) and refunded (negative).",
            [
                ("passbook_id", "the payment's id"),
                ("customer_external_id", "who paid"),
                ("pass_external_id", "the pass paid for"),
                ("booking_id", "the drop-in booking paid for"),
                ("voucher_code", "the gift voucher paid for"),
                ("amount", "amount"),
                ("method", "cash, card, bank_transfer, online, voucher, account_credit"),
                ("received_at", "when"),
                ("reference", "reference"),
                ("note", "note"),
            ],
            payments,
        ),
        Sheet(
            "subscriptions",
            "One row per subscription. Imported back, active and paused ones resume in the "
            "same period (a plan not yet there is made from plan, interval, price and "
            "product_external_id).",
            [
                ("external_id", "the id it was imported with, or passbook:<id>"),
                ("passbook_id", "the subscription's id"),
                ("customer_external_id", "who"),
                ("plan", "plan name"),
                ("interval", "week, month or year"),
                ("price", "price per period"),
                ("product_external_id", "the pass it issues"),
                ("status", "active, paused or cancelled"),
                ("anchor", "the day periods are counted from"),
                ("period_start", "first day of the current period"),
                ("next_billing_on", "first day after it: the next billing date"),
                ("cancel_at_period_end", "yes/no"),
                ("created_at", "when"),
            ],
            subscriptions,
        ),
        Sheet(
            "vouchers",
            "Gift vouchers.",
            [
                ("code", "the code"),
                ("value", "amount it is worth (or empty)"),
                ("product_external_id", "the pass it is worth (or empty)"),
                ("expires_on", "last day"),
                ("note", "note"),
                ("sold_to_external_id", "buyer (empty: given away)"),
                ("price", "price paid by the buyer"),
                ("redeemed_by_external_id", "who redeemed it"),
                ("redeemed_at", "when"),
                ("created_at", "when issued"),
            ],
            vouchers,
        ),
        Sheet(
            "credit_notes",
            "Account credit: a customer's balance is the sum of theirs.",
            [
                ("passbook_id", "the note's id"),
                ("customer_external_id", "whose"),
                ("amount", "positive when issued, negative when spent"),
                ("reason", "why"),
                ("payment_id", "the payment it came from (payments.csv passbook_id)"),
                ("created_at", "when"),
            ],
            credit_notes,
        ),
        Sheet(
            "waitlist",
            "Places on session waitlists, open and past.",
            [
                ("passbook_id", "the entry's id"),
                ("customer_external_id", "who waits"),
                ("class_type", "for what"),
                ("session_starts_at", "when the session starts (ISO 8601)"),
                ("status", "waiting, offered, promoted, left, removed, declined …"),
                ("joined_at", "when they joined (the list's order)"),
                ("auto_promote_late", "yes: book them even inside the late-cancel window"),
                ("drop_in", "yes: pay the drop-in price if no pass can pay"),
                ("offer_expires_at", "while offered: the place is held until then"),
                ("ended_at", "when the entry left the list"),
                ("booking_id", "the booking it became (bookings.csv passbook_id)"),
            ],
            waitlist,
        ),
        Sheet(
            "online_checkouts",
            "Passes bought in the portal and paid by card (the payment itself is in "
            "payments.csv once the provider confirmed it).",
            [
                ("passbook_id", "the checkout's id"),
                ("pass_external_id", "the pass bought (passes.csv external_id)"),
                ("amount", "amount charged"),
                ("currency", "its currency"),
                ("status", "pending, paid or failed"),
                ("intent_id", "the payment provider's PaymentIntent id"),
                ("failure", "why it failed"),
                ("created_at", "when started"),
                ("updated_at", "when last changed"),
            ],
            checkouts,
        ),
        Sheet(
            "online_refunds",
            "Card refunds staff asked the provider for (a negative payment once confirmed).",
            [
                ("passbook_id", "the refund's id"),
                ("checkout_id", "the card purchase of a pass refunded (online_checkouts.csv)"),
                ("renewal_charge_id", "or: the renewal charged to a card on file refunded"),
                ("gift_id", "or: the gift voucher bought online refunded"),
                ("amount", "amount"),
                ("status", "requested, succeeded or failed"),
                ("refund_id", "the payment provider's refund id"),
                ("requested_at", "when asked for"),
            ],
            refunds,
        ),
    ]


def readme(sheets: list[Sheet]) -> str:
    business = Business.current()
    lines = [
        f"Passbook export of {business.name}, written {clock.now().isoformat()}.",
        "",
        "CSV files, UTF-8, one header row. Amounts are in "
        f"{business.currency}; days are YYYY-MM-DD in the studio's time zone "
        f"({business.time_zone}); moments are ISO 8601 with their offset. A text cell that",
        "would start with = + - @ starts with an apostrophe instead, so that spreadsheets do",
        "not run it as a formula. customers.csv, products.csv, passes.csv, subscriptions.csv",
        "and bookings.csv can be given back to `passbook import` (the zip as it is).",
        "",
    ]
    for sheet in sheets:
        lines += [f"{sheet.name}.csv: {sheet.about}"]
        lines += [f"  {name}: {about}" for name, about in sheet.columns]
        lines.append("")
    return "\n".join(lines)


def write_zip(target: BinaryIO) -> dict[str, int]:
    """Write the export to `target`; returns the row count of each file."""
    sheets = _sheets()
    counts = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(sheets))
        for sheet in sheets:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([name for name, _ in sheet.columns])
            count = 0
            for row in sheet.rows():
                writer.writerow([_cell(v) for v in row])
                count += 1
            archive.writestr(f"{sheet.name}.csv", text.getvalue())
            counts[sheet.name] = count
    return counts
