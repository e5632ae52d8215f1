"""Owner reports (read-only): sales, liability, breakage, attendance.

Money per credit is the pass's price divided by its total credits. Unlimited passes have no
per-credit value, so they appear in sales but not in liability or breakage.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from passbook import clock
from passbook.models import (
    Booking,
    Business,
    CreditNote,
    GiftVoucher,
    Pass,
    PassEntry,
    WaitlistEntry,
)
from passbook.rules.calendar import local_date
from passbook.rules.ledger import EntryKind

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list]
    chart_column: int  # which column the bar chart draws

    ROW, WIDTH = 10, 230  # chart units: a row per line; bars leave room for their label

    @property
    def chart_height(self) -> int:
        return len(self.rows) * self.ROW

    def bars(self) -> list[dict]:
        """Bar geometry for the server-drawn SVG chart."""
        values = [float(r[self.chart_column]) for r in self.rows]
        top = max(values, default=0) or 1
        return [
            {
                "label": str(r[0]),
                "value": r[self.chart_column],
                "y": i * self.ROW,
                "text_y": i * self.ROW + 7,
                "width": round(self.WIDTH * v / top),
            }
            for i, (r, v) in enumerate(zip(self.rows, values, strict=True))
        ]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = Business.current().tz
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _per_credit(p) -> Decimal:
    return (p.price / p.total) if p.total else Decimal(0)


def _sold(start: date, end: date):
    """Passes sold in the period (voided ones were never a sale)."""
    lo, hi = _bounds(start, end)
    return Pass.objects.filter(purchased_at__gte=lo, purchased_at__lt=hi, voided_at__isnull=True)


def _tally(sold: Iterable[tuple[str, Decimal]]) -> list[list]:
    """[key, how many, revenue] for each key of (key, price) pairs, in key order."""
    count: Counter[str] = Counter()
    revenue: defaultdict[str, Decimal] = defaultdict(Decimal)
    for key, price in sold:
        count[key] += 1
        revenue[key] += price
    return [[key, count[key], revenue[key].quantize(CENT)] for key in sorted(count)]


def sales(start: date, end: date) -> Table:
    return Table(
        "Sales by pass",
        ["Pass", "Sold", "Revenue"],
        _tally(_sold(start, end).values_list("name", "price")),
        2,
    )


def sales_by_month(start: date, end: date) -> Table:
    """Passes sold per calendar month (in the business's zone) within the period."""
    tz = Business.current().tz
    sold = _sold(start, end).values_list("purchased_at", "price")
    return Table(
        "Sales by month",
        ["Month", "Sold", "Revenue"],
        _tally((bought.astimezone(tz).strftime("%Y-%m"), price) for bought, price in sold),
        2,
    )


def liability() -> Table:
    """Unused credits on live passes (booked or not yet), at the price paid per credit."""
    now = clock.now()
    live = (
        Pass.objects.filter(voided_at__isnull=True, total__gt=0)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=now))
        .filter(total__gt=F("used"))
    )
    rows: defaultdict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for p in live:
        unused = p.total - p.used
        rows[p.name][0] += unused
        rows[p.name][1] += unused * _per_credit(p)
    return Table(
        "Liability: unused credits on live passes",
        ["Pass", "Credits", "Value"],
        [[n, c, v.quantize(CENT)] for n, (c, v) in sorted(rows.items())],
        2,
    )


def owed() -> Table:
    """Money held for customers: account credit, and sold vouchers not yet redeemed. A
    voucher's money is a liability until it becomes a pass or credit."""
    balances = (
        CreditNote.objects.values("customer")
        .annotate(balance=Sum("amount"))
        .filter(balance__gt=0)
        .aggregate(n=Count("customer"), total=Sum("balance", default=Decimal(0)))
    )
    today = local_date(clock.now(), Business.current().tz)
    vouchers = GiftVoucher.objects.filter(
        price__isnull=False, redeemed_at__isnull=True, expires_on__gte=today
    ).aggregate(n=Count("id"), total=Sum("price", default=Decimal(0)))
    return Table(
        "Owed to customers: account credit and unredeemed vouchers",
        ["What", "Count", "Value"],
        [
            ["Account credit", balances["n"], Decimal(balances["total"]).quantize(CENT)],
            ["Gift vouchers sold", vouchers["n"], Decimal(vouchers["total"]).quantize(CENT)],
        ],
        2,
    )


def breakage(start: date, end: date) -> Table:
    """Credits forfeited at expiry in the period, at the price paid per credit. A forfeit
    that staff undid by moving the pass's dates afterwards (an extension: its credits
    are usable again, and counted as liability) is not breakage."""
    lo, hi = _bounds(start, end)
    rows: defaultdict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    undone = PassEntry.objects.filter(
        customer_pass=OuterRef("customer_pass"), kind=EntryKind.VALIDITY, id__gt=OuterRef("id")
    )
    entries = (
        PassEntry.objects.select_related("customer_pass")
        .filter(kind=EntryKind.FORFEIT, created_at__gte=lo, created_at__lt=hi)
        .exclude(Exists(undone))
    )
    for e in entries:
        assert e.amount is not None, "a forfeit records the credits it forfeits"
        rows[e.customer_pass.name][0] += e.amount
        rows[e.customer_pass.name][1] += e.amount * _per_credit(e.customer_pass)
    return Table(
        "Breakage: credits forfeited at expiry",
        ["Pass", "Credits", "Value"],
        [[n, c, v.quantize(CENT)] for n, (c, v) in sorted(rows.items())],
        2,
    )


def attendance(start: date, end: date) -> Table:
    lo, hi = _bounds(start, end)
    counts = (
        Booking.objects.filter(session__starts_at__gte=lo, session__starts_at__lt=hi)
        .values("session__class_type__name")
        .annotate(
            attended=Count("id", filter=Q(status=Booking.Status.ATTENDED)),
            no_show=Count("id", filter=Q(status=Booking.Status.NO_SHOW)),
            late=Count("id", filter=Q(status=Booking.Status.LATE_CANCELLED)),
        )
        .order_by("session__class_type__name")
    )
    return Table(
        "Attendance by class type",
        ["Class type", "Attended", "No-shows", "Late cancels"],
        [[c["session__class_type__name"], c["attended"], c["no_show"], c["late"]] for c in counts],
        1,
    )


def waitlist_demand(start: date, end: date) -> Table:
    """Waitlist demand per class type, for sessions starting in the period: how many
    joined a waitlist, how many got a place from it, and how many did not."""
    lo, hi = _bounds(start, end)
    counts = (
        WaitlistEntry.objects.filter(session__starts_at__gte=lo, session__starts_at__lt=hi)
        .values("session__class_type__name")
        .annotate(
            joined=Count("id"),
            promoted=Count("id", filter=Q(status=WaitlistEntry.Status.PROMOTED)),
        )
        .order_by("session__class_type__name")
    )
    return Table(
        "Waitlist demand by class type",
        ["Class type", "Joined", "Got a place", "Did not"],
        [
            [
                c["session__class_type__name"],
                c["joined"],
                c["promoted"],
                c["joined"] - c["promoted"],
            ]
            for c in counts
        ],
        1,
    )


REPORTS = {
    "sales": sales,
    "sales-by-month": sales_by_month,
    "liability": lambda start, end: liability(),
    "owed": lambda start, end: owed(),
    "breakage": breakage,
    "attendance": attendance,
    "waitlist": waitlist_demand,
}


def all_reports(start: date, end: date) -> dict[str, Table]:
    return {name: report(start, end) for name, report in REPORTS.items()}
