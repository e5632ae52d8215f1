"""Figure 1: booking through the service layer against raw SQL doing the same statements.

python bench/booking.py fixture URL N     -> JSON pairs (customer, session) on stdout
python bench/booking.py worker MODE URL FILE  -> books the pairs in FILE (service|raw)
"""

import json
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, report, sqlite_path, wait_for_go  # noqa: E402

SESSIONS = 40  # bookings spread over this many sessions, so workers rarely queue on one


def fixture(url: str, n: int, sessions: int = SESSIONS, capacity: int = 0) -> list:
    """n customers, each with a 1,000-credit pass, and sessions (with room for all unless
    a capacity is given)."""
    django_setup(url)
    from passbook.models import Category, ClassType, Customer, PassProduct, Session
    from passbook.services import passes

    now = datetime.now(UTC)
    category = Category.objects.create(name=f"Bench {now:%H%M%S%f}")
    kind = ClassType.objects.create(name=category.name, category=category, capacity=n)
    product = PassProduct.objects.create(
        name="Bench pack", price=100, credits=1000, start_rule="purchase"
    )
    customers = Customer.objects.bulk_create(
        Customer(first_name=f"B{i}", last_name="Bench", email=f"b{i}@example.com") for i in range(n)
    )
    for c in customers:
        passes.sell(c.id, product.id)
    start = now + timedelta(days=3)
    made = Session.objects.bulk_create(
        Session(
            class_type=kind,
            starts_at=start + timedelta(hours=i),
            ends_at=start + timedelta(hours=i, minutes=50),
            capacity=capacity or n,
            credit_cost=1,
        )
        for i in range(sessions)
    )
    return [(c.id, made[i % sessions].id) for i, c in enumerate(customers)]


def service_worker(url: str, pairs: list) -> list[float]:
    django_setup(url)
    from django.db import connection

    from passbook.services import bookings

    connection.ensure_connection()
    wait_for_go()
    latencies = []
    for customer_id, session_id in pairs:
        t = time.perf_counter()
        bookings.book(customer_id, session_id)
        latencies.append(time.perf_counter() - t)
    return latencies


# The floor: the statements a booking needs, by hand, one transaction each.
LOCK_SESSION = "SELECT id FROM passbook_session WHERE id = {p} FOR UPDATE"
LOCK_PASS = (
    "SELECT id FROM passbook_pass WHERE customer_id = {p} AND voided_at IS NULL"
    " ORDER BY expires_at, id LIMIT 1 FOR UPDATE"
)
INSERT_BOOKING = (
    "INSERT INTO passbook_booking (customer_id, session_id, status, paid_by,"
    " customer_pass_id, credits, price, created_at)"
    " VALUES ({p}, {p}, 'booked', 'pass', {p}, 1, 0, {p}) RETURNING id"
)
HOLD = "UPDATE passbook_pass SET held = held + 1 WHERE id = {p}"
ENTRY = (
    "INSERT INTO passbook_passentry (customer_pass_id, kind, amount, booking_id, reason,"
    " created_at) VALUES ({p}, 'hold', 1, {p}, '', {p})"
)


def _statements(placeholder: str, locks: bool) -> list[str]:
    sql = [s.format(p=placeholder) for s in (LOCK_SESSION, LOCK_PASS, INSERT_BOOKING, HOLD, ENTRY)]
    return sql if locks else [s.replace(" FOR UPDATE", "") for s in sql]


def raw_worker(url: str, pairs: list, rush: bool = False) -> list[float]:
    """The floor. For the rush, the capacity check is added: lock the session reading its
    capacity, count its bookings, and book only if there is room."""
    if url.startswith("sqlite"):
        return _raw_sqlite(url, pairs)
    import psycopg

    lock_s, lock_p, insert, hold, entry = _statements("%s", locks=True)
    if rush:
        lock_s = lock_s.replace("SELECT id", "SELECT capacity")
    count = "SELECT COUNT(*) FROM passbook_booking WHERE session_id = %s AND status = 'booked'"
    latencies = []
    with psycopg.connect(url) as conn:
        wait_for_go()
        for customer_id, session_id in pairs:
            t = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                room = cur.execute(lock_s, (session_id,)).fetchone()[0]
                if not rush or cur.execute(count, (session_id,)).fetchone()[0] < room:
                    pass_id = cur.execute(lock_p, (customer_id,)).fetchone()[0]
                    now = datetime.now(UTC)
                    cur.execute(insert, (customer_id, session_id, pass_id, now))
                    booking_id = cur.fetchone()[0]
                    cur.execute(hold, (pass_id,))
                    cur.execute(entry, (pass_id, booking_id, now))
            latencies.append(time.perf_counter() - t)
    return latencies


def _raw_sqlite(url: str, pairs: list) -> list[float]:
    """SQLite has no row locks: BEGIN IMMEDIATE takes the write lock, as Passbook does."""
    lock_s, lock_p, insert, hold, entry = _statements("?", locks=False)
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None, timeout=30)
    conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    wait_for_go()
    latencies = []
    for customer_id, session_id in pairs:
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(lock_s, (session_id,)).fetchone()
        pass_id = conn.execute(lock_p, (customer_id,)).fetchone()[0]
        now = datetime.now(UTC).isoformat(" ")
        booking_id = conn.execute(insert, (customer_id, session_id, pass_id, now)).fetchone()[0]
        conn.execute(hold, (pass_id,))
        conn.execute(entry, (pass_id, booking_id, now))
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - t)
    return latencies


def token(url: str) -> str:
    """A front-desk API token for the HTTP benchmarks."""
    django_setup(url)
    from passbook.models import ApiToken, User

    user, _ = User.objects.get_or_create(username="bench", defaults={"role": "frontdesk"})
    return ApiToken.issue(user, "frontdesk")[1]


def main() -> None:
    command = sys.argv[1]
    if command == "fixture":
        print(json.dumps(fixture(sys.argv[2], *map(int, sys.argv[3:]))))
        return
    if command == "token":
        print(token(sys.argv[2]))
        return
    mode, url, path = sys.argv[2:5]
    pairs = json.loads(Path(path).read_text())
    if mode == "service":
        report({"latencies": service_worker(url, pairs)})
    else:
        report({"latencies": raw_worker(url, pairs, rush=mode == "raw-rush")})


if __name__ == "__main__":
    main()
