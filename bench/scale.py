"""Figure 4-6 data: a studio with 100k customers, 200k passes and 2M bookings, loaded
with COPY in minutes (scaled by --factor), with its ledger consistent.

    python bench/scale.py load URL FACTOR     -> JSON with ids to visit
    python bench/scale.py jobs URL N          -> JSON timings for expiry and renewals
"""

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup  # noqa: E402

BOOKINGS_PER_CUSTOMER = 20  # ten on each of two passes
# Names shaped like real ones, so that a search finds what it would in a real studio: a
# last name is shared by about 1 customer in 600 (Ashby, Ashcroft … Winworth), a first
# name by 1 in 50. (Numbered names such as "Name37" also match Name370-Name3799.)
FIRST_NAMES = str.split(
    "Ada Alex Amir Ana Anna Ben Bea Cara Chen Dan Dara Eli Ella Emma Eva Finn Gus Hana Ian"
    " Ines Ivy Jack Jada Joe Kai Kim Lea Leo Lina Luca Mae Mia Max Nia Noah Nora Olga Omar"
    " Pia Raj Rosa Ruth Sam Sara Tess Theo Uma Vera Yara Zoe"
)
LAST_NAMES = [
    prefix + suffix
    for prefix in str.split(
        "Ash Bar Bel Black Brad Cal Car Dal Dun Ed Fair Fern Gar Hal Har Kel Kings Lang Mar"
        " Mel Nor Oak Pem Ram Red Ros Sal Shel Stan Thorn War Wes Whit Win"
    )
    for suffix in str.split(
        "by croft den field ford ham hill ing ley man more ridge son ston ton well wood worth"
    )
]
TABLES = ("customer", "session", "pass", "booking", "passentry", "payment")
SPAN = timedelta(days=730)  # sessions run from a year ago to a year ahead


def load(url: str, factor: float) -> dict:
    django_setup(url)
    import psycopg

    from passbook.models import Category, ClassType, PassProduct, User

    customers = int(100_000 * factor)
    sessions = customers // 5  # 5 customers per session per booking slot -> 100 a session
    now = datetime.now(UTC).replace(microsecond=0)
    base = now - SPAN / 2
    yoga = Category.objects.create(name="Yoga")
    kinds = [
        ClassType.objects.create(name=f"Class {i}", category=yoga, capacity=100) for i in range(10)
    ]
    products = [
        PassProduct.objects.create(name=f"{n}-class pass", price=20 * n, credits=n)
        for n in (5, 10, 12)
    ]
    User.objects.create_user("bench-owner", role="owner")
    t = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        _copy(
            cur,
            "customer",
            ["id", "first_name", "last_name", "email", "phone", "notes", "created_at"],
            ((c, *_name(c), f"c{c}@example.com", "", "", base) for c in range(1, customers + 1)),
        )
        every = SPAN / sessions
        _copy(
            cur,
            "session",
            ["id", "starts_at", "ends_at", "capacity", "credit_cost", "status", "class_type_id"],
            (
                (
                    s + 1,
                    base + s * every,
                    base + s * every + timedelta(minutes=50),
                    100,
                    1,
                    "scheduled",
                    kinds[s % 10].id,
                )
                for s in range(sessions)
            ),
        )
        slots = _slots(customers, sessions, base, every, now)
        _copy(
            cur,
            "pass",
            [
                "id",
                "name",
                "total",
                "held",
                "used",
                "starts_at",
                "expires_at",
                "start_rule",
                "validity_unit",
                "priority",
                "category_ids",
                "class_type_ids",
                "restriction_label",
                "price",
                "amount_paid",
                "source",
                "purchased_at",
                "customer_id",
                "product_id",
            ],
            _passes(customers, slots, products, base, now),
        )
        _copy(
            cur,
            "booking",
            [
                "id",
                "status",
                "paid_by",
                "credits",
                "price",
                "created_at",
                "checked_in_at",
                "customer_id",
                "customer_pass_id",
                "session_id",
            ],
            (
                (
                    b,
                    "attended" if past else "booked",
                    "pass",
                    1,
                    0,
                    base,
                    start if past else None,
                    c,
                    pass_id,
                    s,
                )
                for b, c, pass_id, s, start, past in slots()
            ),
        )
        _copy(
            cur,
            "passentry",
            [
                "kind",
                "amount",
                "starts_at",
                "expires_at",
                "reason",
                "created_at",
                "booking_id",
                "customer_pass_id",
            ],
            _entries(customers, slots, base, now),
        )
        price = products[2].price
        _copy(
            cur,
            "payment",
            [
                "amount",
                "method",
                "received_at",
                "reference",
                "note",
                "recorded_at",
                "customer_id",
                "customer_pass_id",
            ],
            (
                (price, "card", base, "", "", base, (p + 1) // 2, p)
                for p in range(1, 2 * customers + 1)
                if p % 3
            ),
        )
        for table in TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('passbook_{table}', 'id'),"
                f" (SELECT max(id) FROM passbook_{table}))"
            )
    # What autovacuum does soon after a bulk load (PostgreSQL 13+ vacuums after inserts):
    # among other things it merges the trigram indexes' pending lists, without which a
    # customer search reads every pending entry (60 ms instead of 3 ms).
    with psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE passbook_{table}")
    return {
        "seconds": time.perf_counter() - t,
        "customers": customers,
        "sessions": sessions,
        "bookings": customers * BOOKINGS_PER_CUSTOMER,
    }


def _name(c: int) -> tuple[str, str]:
    return FIRST_NAMES[c % len(FIRST_NAMES)], LAST_NAMES[(c * 7) % len(LAST_NAMES)]


def _copy(cur, table: str, columns: list[str], rows) -> None:
    with cur.copy(f"COPY passbook_{table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _slots(customers: int, sessions: int, base, every, now):
    """Booking j of customer c is in session (c + j * sessions/20) mod sessions: twenty
    different sessions per customer, a hundred customers per session."""
    step = sessions // BOOKINGS_PER_CUSTOMER

    def rows():
        b = 0
        for c in range(1, customers + 1):
            for j in range(BOOKINGS_PER_CUSTOMER):
                b += 1
                s = (c + j * step) % sessions
                start = base + s * every
                yield b, c, 2 * c - 1 + (j >= 10), s + 1, start, start < now

    return rows


def _passes(customers, slots, products, base, now):
    held, used = {}, {}
    for _b, _c, pass_id, _s, _start, past in slots():
        bucket = used if past else held
        bucket[pass_id] = bucket.get(pass_id, 0) + 1
    product = products[2]  # 12 credits: ten booked, two left
    for pass_id in range(1, 2 * customers + 1):
        bought = base - timedelta(days=pass_id % 300)
        paid = product.price if pass_id % 3 else 0
        yield (
            pass_id,
            product.name,
            12,
            held.get(pass_id, 0),
            used.get(pass_id, 0),
            bought,
            now + SPAN,
            "purchase",
            "",
            0,
            "[]",
            "[]",
            "",
            product.price,
            paid,
            "sale",
            bought,
            (pass_id + 1) // 2,
            product.id,
        )


def _entries(customers, slots, base, now):
    for pass_id in range(1, 2 * customers + 1):
        yield (
            "grant",
            12,
            base - timedelta(days=pass_id % 300),
            now + SPAN,
            "",
            base,
            None,
            pass_id,
        )
    for b, _c, pass_id, _s, _start, past in slots():
        yield ("hold", 1, None, None, "", base, b, pass_id)
        if past:
            yield ("consume", 1, None, None, "", base, b, pass_id)


def jobs(url: str, expiring: int, renewing: int) -> dict:
    """Expiry over `expiring` passes and renewals over `renewing` subscriptions, each
    against set-based SQL doing the same writes (rolled back, so the job still has work)."""
    django_setup(url)
    import psycopg
    from django.db import connection

    from passbook.jobs import Report, expire_passes, renew_subscriptions

    with psycopg.connect(url) as conn:
        conn.execute(
            "UPDATE passbook_pass SET expires_at = now() - interval '1 day' WHERE id <= %s",
            (expiring,),
        )
        _subscriptions(conn, renewing)
        for table in ("pass", "subscription"):  # as autovacuum would after so many changes
            conn.execute(f"ANALYZE passbook_{table}")
        conn.commit()  # (the floors below roll back, statistics included)
        floors = {
            "expiry": _floor(conn, [FORFEIT_SQL], (expiring,)),
            "renewals": _floor(conn, RENEW_SQL, ()),
        }
    connection.close()
    report = Report()
    t = time.perf_counter()
    expire_passes(report)
    expiry = time.perf_counter() - t
    t = time.perf_counter()
    renew_subscriptions(report)
    renewals = time.perf_counter() - t
    return {
        "expiry": {
            "items": report.counts["forfeits"],
            "seconds": expiry,
            "floor": floors["expiry"],
        },
        "renewals": {
            "items": report.counts["renewals"],
            "seconds": renewals,
            "floor": floors["renewals"],
        },
    }


FORFEIT_SQL = (
    "INSERT INTO passbook_passentry (kind, amount, starts_at, expires_at, reason, created_at,"
    " customer_pass_id) SELECT 'forfeit', total - held - used, starts_at, expires_at,"
    " 'expired with credits left', now(), id FROM passbook_pass WHERE id <= %s"
    " AND voided_at IS NULL AND expires_at < now() AND total > held + used"
)
RENEW_SQL = [
    "CREATE TEMP TABLE issued AS SELECT s.id AS sub, s.customer_id, nextval("
    "pg_get_serial_sequence('passbook_pass', 'id')) AS pass_id FROM passbook_subscription s"
    " WHERE s.status = 'active' AND s.period_end <= current_date",
    "INSERT INTO passbook_pass (id, name, total, held, used, starts_at, expires_at, start_rule,"
    " validity_unit, priority, category_ids, class_type_ids, restriction_label, price,"
    " amount_paid, source, purchased_at, customer_id, product_id) SELECT i.pass_id, 'Monthly',"
    " 12, 0, 0, now(), now() + interval '1 month', 'purchase', '', 0, '[]', '[]', '', 80, 0,"
    " 'subscription', now(), i.customer_id, 1 FROM issued i",
    "INSERT INTO passbook_passentry (kind, amount, starts_at, expires_at, reason, created_at,"
    " customer_pass_id) SELECT 'grant', 12, now(), now() + interval '1 month', '', now(),"
    " pass_id FROM issued",
    "INSERT INTO passbook_renewal (subscription_id, period_start, issued_pass_id, created_at)"
    " SELECT sub, current_date, pass_id, now() FROM issued",
    "UPDATE passbook_subscription SET period_start = current_date,"
    " period_end = current_date + 30 WHERE id IN (SELECT sub FROM issued)",
]


def _floor(conn, statements: list[str], params: tuple) -> float:
    t = time.perf_counter()
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql, params if "%s" in sql else None)
    seconds = time.perf_counter() - t
    conn.rollback()
    return seconds


def _subscriptions(conn, n: int) -> None:
    """n monthly subscriptions whose period ended today, for customers 1..n."""
    plan = conn.execute(
        "INSERT INTO passbook_plan (name, interval, price, active, product_id)"
        " VALUES ('Monthly', 'month', 80, true, 1) RETURNING id"
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO passbook_subscription (status, anchor, period_start, period_end,"
        " cancel_at_period_end, created_at, customer_id, plan_id) SELECT 'active',"
        " current_date - 30, current_date - 30, current_date, false, now(), c, %s"
        " FROM generate_series(1, %s) AS c",
        (plan, n),
    )


if __name__ == "__main__":
    if sys.argv[1] == "jobs":
        print(json.dumps(jobs(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    else:
        print(json.dumps(load(sys.argv[2], float(sys.argv[3]))))
