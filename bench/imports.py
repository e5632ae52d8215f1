"""The import benchmark (issue 20): N customers with 1.5 N live passes, as CSV files in the
generic preset, through `passbook import --commit`, as a ratio against the floor: COPY of
exactly the rows that import wrote (customers, products, passes, their ledger entries and
payments), into the same tables emptied again. On SQLite, which has no COPY, the floor is
one executemany INSERT a table, in one transaction.

    .venv/bin/python -m bench.imports                    # 100,000 customers, 150,000 passes
    .venv/bin/python -m bench.imports --customers 10000  # a smaller run
    .venv/bin/python -m bench.imports --customers 10000 --database sqlite

It makes its own database (PostgreSQL: `passbook_bench_imports`, dropped and re-created;
SQLite: a file in a new temporary folder).
"""

import argparse
import csv
import io
import random
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from bench import common
from bench.common import PYTHON, ROOT, env_for, fresh_database, sqlite_path

# Its own database, not the other benchmarks' `passbook_bench`: they may run at the same time.
common.PG_NAME = "passbook_bench_imports"

# What the import writes, parents first (the order COPY loads them back in).
TABLES = [
    "passbook_importbatch",
    "passbook_passproduct",
    "passbook_customer",
    "passbook_pass",
    "passbook_passentry",
    "passbook_payment",
]
PRODUCTS = [("P-10", "10-class pass", "120.00", "10"), ("P-5", "5-class pass", "65.00", "5")]


def write_files(folder: Path, customers: int, seed: int = 20) -> list[Path]:
    """products.csv, customers.csv and passes.csv (1.5 passes a customer) in `folder`."""
    rng = random.Random(seed)
    files = {
        "products.csv": [["external_id", "name", "price", "credits"], *PRODUCTS],
        "customers.csv": [["external_id", "first_name", "last_name", "email"]]
        + [[f"C-{n}", f"Client{n}", "Bench", f"client{n}@example.com"] for n in range(customers)],
        "passes.csv": [
            [
                "external_id",
                "customer_external_id",
                "product_external_id",
                "purchased_on",
                "expires_on",
                "used",
                "amount_paid",
            ]
        ],
    }
    for n in range(customers * 3 // 2):
        product, _, price, credits = PRODUCTS[n % 2]
        used = rng.randint(0, int(credits))
        paid = price if rng.random() < 0.9 else "0"
        row = [f"S-{n}", f"C-{n % customers}", product, "2026-01-05", "2027-01-04", used, paid]
        files["passes.csv"].append(row)
    paths = []
    for name, rows in files.items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as stream:
            csv.writer(stream).writerows(rows)
        paths.append(path)
    return paths


def import_seconds(url: str, paths: list[Path]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "django", "import", *map(str, paths), "--commit"],
        check=True,
        env=env_for(url),
        cwd=ROOT,
        capture_output=True,
    )
    return time.perf_counter() - started


def copy_seconds(url: str) -> tuple[float, dict[str, int]]:
    """Take the rows the import wrote out, empty the tables, and time COPY putting them
    back (one transaction, as the import is)."""
    dumps, counts = {}, {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            buffer = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            dumps[table] = buffer.getvalue()
            counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        started = time.perf_counter()
        with conn.transaction():
            for table in TABLES:
                with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(dumps[table])
        return time.perf_counter() - started, counts


def insert_seconds(url: str) -> tuple[float, dict[str, int]]:
    """SQLite's floor: the rows the import wrote, inserted back with one executemany a
    table (one transaction) into the same tables emptied again."""
    dumps: dict[str, list[tuple]] = {}
    with sqlite3.connect(sqlite_path(url), isolation_level=None) as conn:
        for table in TABLES:
            dumps[table] = conn.execute(f"SELECT * FROM {table}").fetchall()
        conn.execute("PRAGMA foreign_keys = OFF")
        for table in reversed(TABLES):
            conn.execute(f"DELETE FROM {table}")
        started = time.perf_counter()
        conn.execute("BEGIN")
        for table, rows in dumps.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        conn.execute("COMMIT")
        return time.perf_counter() - started, {t: len(r) for t, r in dumps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    url = fresh_database(args.database)
    with tempfile.TemporaryDirectory(prefix="passbook-import-bench-") as folder:
        paths = write_files(Path(folder), args.customers)
        imported = import_seconds(url, paths)
    floor, counts = copy_seconds(url) if args.database == "postgres" else insert_seconds(url)
    rows = sum(counts.values())
    how = "COPY" if args.database == "postgres" else "executemany"
    print(f"import of {args.customers:,} customers, {args.customers * 3 // 2:,} passes")
    print(f"on {args.database}")
    for table, count in counts.items():
        print(f"  {table}: {count:,} rows")
    print(f"passbook import --commit: {imported:8.1f} s  ({rows / imported:,.0f} rows/s)")
    print(f"{how} of the same rows: {floor:8.1f} s  ({rows / floor:,.0f} rows/s)")
    print(f"ratio ({how} time / import time): {floor / imported:.3f}")


if __name__ == "__main__":
    main()
