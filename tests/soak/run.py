"""Soak test with faults: 50 concurrent API clients book, cancel, check in and buy against
gunicorn + PostgreSQL on loopback, retrying with the same idempotency keys, while a
gunicorn worker is killed with SIGKILL and PostgreSQL is restarted. Afterwards:

- `passbook verify` is clean (no pass below zero, no session over capacity, ledgers agree);
- every acknowledged request is present exactly once;
- nothing was applied from a request that was answered with an error.

Short form (CI):  python tests/soak/run.py --duration 45
Long form:        python tests/soak/run.py --duration 1800 --clients 50
Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and root to restart it.
"""

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432/"
DB = "passbook_soak"


@dataclass
class Log:
    """What the clients were told, per kind of request."""

    acked: dict[str, list] = field(
        default_factory=lambda: {"purchase": [], "book": [], "cancel": [], "check_in": []}
    )
    refused_keys: list[str] = field(default_factory=list)
    gave_up: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def sh(*cmd: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def fresh_database(env: dict) -> None:
    import psycopg

    with psycopg.connect(PG + "postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB}"')
    sh(sys.executable, "-m", "passbook.cli", "migrate", "-v0", env=env)


def studio(clients: int) -> dict:
    """Customers, a product and sessions; returns the ids and an owner token."""
    from datetime import timedelta
    from decimal import Decimal

    from passbook import clock
    from passbook.models import ApiToken, Category, ClassType, Customer, PassProduct, User
    from passbook.services import passes, schedule

    yoga = ClassType.objects.create(
        name="Vinyasa", category=Category.objects.create(name="Yoga"), capacity=8
    )
    product = PassProduct.objects.create(
        name="5-class pass",
        price=Decimal("100"),
        credits=Decimal("5"),
        validity_unit="months",
        validity_count=3,
    )
    customers = [Customer.objects.create(first_name=f"Soak{n}") for n in range(clients)]
    for c in customers:
        passes.sell(c.id, product.id)
    start = clock.now() + timedelta(days=1)
    sessions = [
        schedule.create_session(schedule.SessionInput(yoga, start + timedelta(hours=2 * n)))
        for n in range(24)
    ]
    _token, raw = ApiToken.issue(User.objects.create(username="soak", role="owner"), "owner")
    return {
        "token": raw,
        "product": product.id,
        "customers": [c.id for c in customers],
        "sessions": [s.id for s in sessions],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client(threading.Thread):
    def __init__(self, base: str, data: dict, customer: int, log: Log, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.data, self.customer, self.log, self.stop = base, data, customer, log, stop
        self.rng = random.Random(customer)
        self.mine: list[int] = []  # booking ids this client holds

    def call(self, path: str, body: dict) -> tuple[int, dict] | None:
        """POST with an Idempotency-Key, retrying the same request until it is answered."""
        key = str(uuid.uuid4())
        payload = json.dumps(body).encode()
        for attempt in range(60):
            request = urllib.request.Request(
                self.base + path,
                data=payload,
                method="POST",
                headers={
                    "Authorization": f"Bearer {self.data['token']}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=20) as response:
                    return response.status, json.loads(response.read()), key
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    return error.code, json.loads(error.read() or b"{}"), key
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            with self.log.lock:
                self.log.retries += 1
            time.sleep(min(0.05 * 2**attempt, 1.0))
        with self.log.lock:
            self.log.gave_up += 1
        return None

    def record(self, kind: str, answer, value) -> None:
        if answer is None:
            return
        status, body, key = answer
        with self.log.lock:
            if status < 300:
                self.log.acked[kind].append((key, value(body)))
            else:
                self.log.refused_keys.append(key)

    def run(self) -> None:
        while not self.stop.is_set():
            action = self.rng.choices(
                ["book", "cancel", "check_in", "purchase"], weights=[5, 2, 2, 1]
            )[0]
            if action == "book":
                answer = self.call(
                    "/api/v1/bookings",
                    {
                        "customer_id": self.customer,
                        "session_id": self.rng.choice(self.data["sessions"]),
                    },
                )
                self.record("book", answer, lambda b: b["id"])
                if answer and answer[0] == 201:
                    self.mine.append(answer[1]["id"])
            elif action == "purchase":
                self.record(
                    "purchase",
                    self.call(
                        "/api/v1/purchases",
                        {"customer_id": self.customer, "product_id": self.data["product"]},
                    ),
                    lambda b: b["id"],
                )
            elif self.mine:
                booking = self.mine.pop(self.rng.randrange(len(self.mine)))
                path = "cancel" if action == "cancel" else "check-in"
                self.record(
                    action, self.call(f"/api/v1/bookings/{booking}/{path}", {}), lambda b: b["id"]
                )


def faults(
    master: subprocess.Popen, duration: float, restart_postgres: bool, events: list[str]
) -> None:
    time.sleep(duration / 3)
    workers = sh("pgrep", "-P", str(master.pid), check=False).stdout.split()
    if workers:
        os.kill(int(workers[0]), signal.SIGKILL)
        events.append(f"SIGKILL gunicorn worker {workers[0]}")
    if restart_postgres:
        time.sleep(duration / 3)
        version = sorted(os.listdir("/etc/postgresql"))[0]
        sh("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart")
        events.append("PostgreSQL restarted")


def check(log: Log, env: dict) -> list[str]:
    from passbook.models import Booking, IdempotencyRecord, Pass
    from passbook.services.verify import problems

    failures = [str(p) for p in problems()]
    verify = subprocess.run(
        [sys.executable, "-m", "passbook.cli", "verify"], env=env, capture_output=True, text=True
    )
    if verify.returncode:
        failures.append("passbook verify: " + verify.stderr.strip()[:500])
    booked_ids = [b for _k, b in log.acked["book"]]
    bought_ids = [p for _k, p in log.acked["purchase"]]
    if sorted(Booking.objects.values_list("id", flat=True)) != sorted(booked_ids):
        failures.append("bookings in the database differ from the acknowledged bookings")
    bought = Pass.objects.filter(created_by__username="soak").values_list("id", flat=True)
    if sorted(bought) != sorted(bought_ids):
        failures.append("passes sold over the API differ from the acknowledged purchases")
    for _key, booking in log.acked["cancel"]:
        if Booking.objects.get(pk=booking).status not in {"cancelled", "late_cancelled"}:
            failures.append(f"acknowledged cancel of booking {booking} is not applied")
    for _key, booking in log.acked["check_in"]:
        if Booking.objects.get(pk=booking).status != "attended":
            failures.append(f"acknowledged check-in of booking {booking} is not applied")
    acked_keys = [k for kind in log.acked.values() for k, _ in kind]
    stored = set(IdempotencyRecord.objects.values_list("key", flat=True))
    if missing := [k for k in acked_keys if k not in stored]:
        failures.append(f"{len(missing)} acknowledged requests have no stored record")
    if applied := stored.intersection(log.refused_keys):
        failures.append(f"{len(applied)} requests answered with an error left a record")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=45.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--no-restart-postgres", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": PG + DB, "DJANGO_SETTINGS_MODULE": "passbook.settings"}
    os.environ.update(DATABASE_URL=env["DATABASE_URL"], DJANGO_SETTINGS_MODULE="passbook.settings")
    fresh_database(env)
    import django

    django.setup()
    data = studio(args.clients)
    port = free_port()
    server_log = open(ROOT / "soak-server.log", "w")  # noqa: SIM115 - open while it runs
    master = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "passbook.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=server_log,
        stderr=server_log,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    log, stop, events = Log(), threading.Event(), []
    clients = [Client(base, data, c, log, stop) for c in data["customers"]]
    for c in clients:
        c.start()
    chaos = threading.Thread(
        target=faults, args=(master, args.duration, not args.no_restart_postgres, events)
    )
    chaos.start()
    time.sleep(args.duration)
    stop.set()
    for c in clients:
        c.join(timeout=120)
    chaos.join()
    master.terminate()
    master.wait(timeout=30)
    server_log.close()
    from django.db import connection

    connection.close()  # the restart may have broken this process's connection
    failures = check(log, env)
    counts = {k: len(v) for k, v in log.acked.items()}
    print(
        f"soak: {args.duration:.0f}s, {args.clients} clients, acknowledged {counts}, "
        f"refused {len(log.refused_keys)}, retries {log.retries}, gave up {log.gave_up}; "
        f"faults: {', '.join(events) or 'none'}"
    )
    if log.gave_up:
        failures.append(f"{log.gave_up} requests never got an answer")
    for failure in failures:
        print("FAIL:", failure)
    print("soak: FAILED" if failures else "soak: OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
