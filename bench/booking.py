"""Figure 1: booking through the service layer against raw SQL doing the same statements.

python bench/booking.py fixture URL N     -> JSON pairs (customer, session) on stdout
python bench/booking.py worker MODE URL FILE  -> books the pairs in FILE
    (service, or by hand: raw, raw-rush, design)
"""

import json
import re
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
LOCK_SESSION = "SELECT capacity FROM passbook_session WHERE id = {p} FOR UPDATE"
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
COUNT_BOOKED = "SELECT COUNT(*) FROM passbook_booking WHERE session_id = {p} AND status = 'booked'"

# What bookings.book() itself sends (DESIGN.md §4: both locks, the capacity check with the
# waitlists, every live pass of the customer for the spend rule, the settings, the outbox
# row), by hand: the most that making the Python side free could reach.
LOCK_SESSION_AND_TYPE = (
    "SELECT s.id, s.starts_at, s.ends_at, s.capacity, s.credit_cost, s.status, t.id,"
    " t.name, t.category_id, t.drop_in_price FROM passbook_session s"
    " JOIN passbook_classtype t ON t.id = s.class_type_id WHERE s.id = {p} FOR UPDATE OF s"
)
LOCK_CUSTOMER = (
    "SELECT id, first_name, last_name, email, phone FROM passbook_customer"
    " WHERE id = {p} FOR UPDATE"
)
# The session's live customers, and the waitlist entries that concern this booking (the
# customer's own, and anyone's offer of a place in this session) in the same round trip.
LIVE_CUSTOMERS = (
    "SELECT customer_id, 'live booking' FROM passbook_booking"
    " WHERE session_id = {p} AND status IN ('booked', 'attended')"
    " UNION ALL SELECT customer_id, status FROM passbook_waitlistentry"
    " WHERE (customer_id = {p} AND status IN ('waiting', 'offered'))"
    " OR (session_id = {p} AND status = 'offered')"
)
SETTINGS = "SELECT * FROM passbook_business WHERE id = 1"
LIVE_PASSES = (
    "SELECT p.*, EXISTS (SELECT 1 FROM passbook_passfreeze f WHERE f.customer_pass_id = p.id)"
    " FROM passbook_pass p WHERE p.customer_id = {p} AND p.voided_at IS NULL"
    " ORDER BY p.purchased_at, p.id"
)
OUTBOX = (
    'INSERT INTO passbook_notification (kind, key, customer_id, "to", subject, body,'
    " created_at, due_at, attempts, last_error) VALUES ('booking_confirmed', {p}, {p},"
    " 'b@example.com', 'Booking confirmed', 'You are booked.', {p}, {p}, 0, '')"
    " ON CONFLICT DO NOTHING"
)


class Sql:
    """Runs a statement template on PostgreSQL or SQLite: each its placeholders, and row
    locks only on PostgreSQL (SQLite's BEGIN IMMEDIATE has already taken the write lock)."""

    def __init__(self, execute, postgres: bool) -> None:
        self.execute, self.postgres = execute, postgres
        self.rendered: dict[str, str] = {}  # once per template, not in the timed loop

    def __call__(self, template: str, *params):
        if template not in self.rendered:
            self.rendered[template] = self._render(template)
        return self.execute(self.rendered[template], params)

    def _render(self, template: str) -> str:
        if self.postgres:
            return template.format(p="%s")
        return re.sub(r" FOR UPDATE( OF \w+)?", "", template.format(p="?"))

    def now(self):
        now = datetime.now(UTC)
        return now if self.postgres else now.isoformat(" ")


def _write(sql: Sql, customer_id: int, session_id: int, pass_id: int) -> int:
    now = sql.now()
    booking_id = sql(INSERT_BOOKING, customer_id, session_id, pass_id, now).fetchone()[0]
    sql(HOLD, pass_id)
    sql(ENTRY, pass_id, booking_id, now)
    return booking_id


def floor_booking(sql: Sql, customer_id: int, session_id: int) -> None:
    sql(LOCK_SESSION, session_id).fetchone()
    _write(sql, customer_id, session_id, sql(LOCK_PASS, customer_id).fetchone()[0])


def rush_booking(sql: Sql, customer_id: int, session_id: int) -> None:
    """The floor plus the capacity check: book only if there is room."""
    room = sql(LOCK_SESSION, session_id).fetchone()[0]
    if sql(COUNT_BOOKED, session_id).fetchone()[0] < room:
        _write(sql, customer_id, session_id, sql(LOCK_PASS, customer_id).fetchone()[0])


def design_booking(sql: Sql, customer_id: int, session_id: int) -> None:
    sql(LOCK_SESSION_AND_TYPE, session_id).fetchone()
    sql(LOCK_CUSTOMER, customer_id).fetchone()
    sql(LIVE_CUSTOMERS, session_id, customer_id, session_id).fetchall()
    sql(SETTINGS).fetchone()
    pass_id = sql(LIVE_PASSES, customer_id).fetchall()[0][0]
    booking_id = _write(sql, customer_id, session_id, pass_id)
    now = sql.now()
    sql(OUTBOX, f"booked:{booking_id}", customer_id, now, now)


RAW = {"raw": floor_booking, "raw-rush": rush_booking, "design": design_booking}


def raw_worker(url: str, pairs: list, book) -> list[float]:
    """Books the pairs by hand, one transaction each (BEGIN IMMEDIATE on SQLite, as
    Passbook does)."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(sqlite_path(url), isolation_level=None, timeout=30)
        conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        sql = Sql(conn.execute, postgres=False)
        begin, commit = (lambda: conn.execute("BEGIN IMMEDIATE")), (lambda: conn.execute("COMMIT"))
    else:
        import psycopg

        conn = psycopg.connect(url, autocommit=True)
        sql = Sql(conn.execute, postgres=True)
        begin, commit = (lambda: conn.execute("BEGIN")), (lambda: conn.execute("COMMIT"))
    wait_for_go()
    latencies = []
    for customer_id, session_id in pairs:
        t = time.perf_counter()
        begin()
        book(sql, customer_id, session_id)
        commit()
        latencies.append(time.perf_counter() - t)
    conn.close()
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
        report({"latencies": raw_worker(url, pairs, RAW[mode])})


if __name__ == "__main__":
    main()
