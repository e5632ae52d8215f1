"""What every benchmark shares: databases made for the run, Django in a worker process,
timing, and the table of results."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_NAME = "passbook_bench"


def pg_url() -> str:
    return f"{PG_SERVER}/{PG_NAME}"


def fresh_database(kind: str) -> str:
    """A new, migrated database for one benchmark; returns its DATABASE_URL."""
    if kind == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='passbook-bench-')}/bench.sqlite3"
    else:
        admin = f"{PG_SERVER}/postgres"
        for sql in (
            f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)",
            f"CREATE DATABASE {PG_NAME}",
        ):
            subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)
        url = pg_url()
    manage("migrate", "-v0", url=url)
    return url


def env_for(url: str) -> dict[str, str]:
    """Production settings (DEBUG off: no query log, no debug cursor) on this database."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "passbook.settings",
        "PYTHONPATH": str(ROOT),
        "PASSBOOK_DEBUG": "0",
        "PASSBOOK_SECRET_KEY": "bench-" + "x" * 60,
        "PASSBOOK_SSL_REDIRECT": "0",
    }


def manage(*args: str, url: str) -> None:
    subprocess.run([PYTHON, "-m", "django", *args], check=True, env=env_for(url), cwd=ROOT)


def django_setup(url: str) -> None:
    """Inside a benchmark process: Django on this database."""
    os.environ.update(env_for(url))
    import django

    django.setup()


def sqlite_path(url: str) -> str:
    return urlparse(url).path


@dataclass
class Workers:
    """Worker processes that start together: each prints READY, waits for GO, does its
    share and prints one JSON line with what it measured."""

    commands: list[list[str]]
    url: str
    procs: list[subprocess.Popen] = field(default_factory=list)

    def run(self) -> tuple[float, list[dict]]:
        self.procs = [
            subprocess.Popen(
                c,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env_for(self.url),
                cwd=ROOT,
            )
            for c in self.commands
        ]
        for p in self.procs:
            assert p.stdout.readline().strip() == "READY"
        start = time.perf_counter()
        for p in self.procs:
            p.stdin.write("GO\n")
            p.stdin.flush()
        results = [json.loads(p.stdout.readline()) for p in self.procs]
        wall = time.perf_counter() - start
        for p in self.procs:
            p.wait()
            if p.returncode:
                raise SystemExit(f"a worker failed: {p.args}")
        return wall, results


def wait_for_go() -> None:
    print("READY", flush=True)
    assert sys.stdin.readline().strip() == "GO"


def report(result: dict) -> None:
    print(json.dumps(result), flush=True)


def percentile(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


@dataclass
class Row:
    figure: str
    measured: str  # what was measured, absolute (informative)
    floor: str  # the floor, absolute
    ratio: float | None  # against the floor: higher is better, 1.0 = as fast; None: no floor
    target: str
    ok: bool | None  # None: no pass/fail target

    def cells(self) -> list[str]:
        verdict = {True: "yes", False: "NO", None: "-"}[self.ok]
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}x"
        return [self.figure, self.measured, self.floor, ratio, self.target, verdict]


def print_table(rows: list[Row]) -> None:
    head = ["figure", "measured", "floor (raw SQL)", "ratio", "target", "met"]
    table = [head, *[r.cells() for r in rows]]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for i, r in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
