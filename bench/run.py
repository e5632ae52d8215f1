"""Passbook benchmarks: one command, one table. Every figure is a ratio against a floor
measured in the same run on the same machine (raw SQL doing the same work); absolute
times are printed too but only inform.

    .venv/bin/python bench/run.py [--quick] [--only booking,http,rush,scale,jobs]
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    PYTHON,
    ROOT,
    Row,
    Workers,
    fresh_database,
    percentile,
    print_table,
)
from bench.server import Gunicorn  # noqa: E402


def fixture(url: str, *args: int) -> list:
    return json.loads(_output("bench/booking.py", "fixture", url, *map(str, args)))


def _output(*args: str) -> str:
    """What a bench script prints on stdout."""
    out = subprocess.run([PYTHON, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return out.stdout


def split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts)]


def _file(items: list) -> str:
    path = Path(tempfile.mkdtemp(prefix="passbook-bench-")) / "pairs.json"
    path.write_text(json.dumps(items))
    return str(path)


def book_all(mode: str, url: str, pairs: list, workers: int) -> float:
    """Bookings per second for `pairs` shared out over `workers` processes."""
    commands = [
        [PYTHON, "bench/booking.py", "worker", mode, url, _file(share)]
        for share in split(pairs, workers)
    ]
    wall, _results = Workers(commands, url).run()
    return len(pairs) / wall


def over_http(server: Gunicorn, url: str, pairs: list, threads: int) -> tuple[float, dict]:
    token = _output("bench/booking.py", "token", url).strip()
    command = [PYTHON, "bench/load.py", server.base, token, _file(pairs), str(threads)]
    wall, (result,) = Workers([command], url).run()
    return wall, result


def http_rows(n: int) -> list[Row]:
    """Figures 2 and 3 on PostgreSQL, gunicorn with 2 workers, load from another process."""
    url = fresh_database("postgresql")
    server = Gunicorn(url, workers=2)
    try:
        floor = book_all("raw", url, fixture(url, n), 4)
        wall, result = over_http(server, url, fixture(url, n), 4)
        rate = len(result["latencies"]) / wall
        assert result["statuses"] == {"201": n}, result["statuses"]
        rows = [
            Row(
                "2. booking over HTTP, gunicorn 2 workers, 4 clients",
                f"{rate:.0f} bookings/s",
                f"{floor:.0f}/s (4 workers)",
                rate / floor,
                ">= 0.3x",
                rate / floor >= 0.3,
            )
        ]
        rows.append(_rush(server, url))
    finally:
        server.stop()
    return rows


def _rush(server: Gunicorn, url: str, attempts: int = 500, places: int = 20) -> Row:
    """500 customers at once on a 20-place class: exactly 20 get in."""
    floor_pairs = fixture(url, attempts, 1, places)
    floor_wall, _ = Workers(
        [
            [PYTHON, "bench/booking.py", "worker", "raw-rush", url, _file(s)]
            for s in split(floor_pairs, 4)
        ],
        url,
    ).run()
    wall, result = over_http(server, url, fixture(url, attempts, 1, places), attempts)
    got = result["statuses"].get("201", 0)
    lat = sorted(result["latencies"])
    p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
    return Row(
        f"3. rush: {attempts} at once on {places} places (HTTP)",
        f"{got} booked, {result['statuses'].get('409', 0)} refused; "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms; {wall:.2f} s",
        f"{floor_wall:.2f} s",
        floor_wall / wall,
        f"exactly {places} booked",
        got == places and sum(result["statuses"].values()) == attempts,
    )


def booking_rows(kind: str, n: int) -> list[Row]:
    url = fresh_database(kind)
    rows = []
    modes = ("raw", "design", "service")
    for workers in (1, 4):
        rate = {mode: book_all(mode, url, fixture(url, n), workers) for mode in modes}
        label = f"{kind}, {workers} worker{'s' * (workers > 1)}"
        rows.append(
            Row(
                f"1. booking, services, {label}",
                f"{rate['service']:.0f} bookings/s",
                f"{rate['raw']:.0f}/s",
                rate["service"] / rate["raw"],
                ">= 0.5x",
                rate["service"] / rate["raw"] >= 0.5,
            )
        )
        # Informative: the statements the service sends, by hand. Its ratio is the most
        # that trimming Python alone could give; service/design is what Python costs.
        rows.append(
            Row(
                f"   the service's own statements by hand, {label}",
                f"{rate['design']:.0f} bookings/s",
                f"{rate['raw']:.0f}/s",
                rate["design"] / rate["raw"],
                f"services {rate['service'] / rate['design']:.2f}x of it",
                None,
            )
        )
    return rows


def _json(*args: str) -> dict:
    return json.loads(_output(*args))


def scale_rows(factor: float, requests: int) -> list[Row]:
    """Figures 4-6: load the big studio, time its pages over HTTP, then the jobs."""
    url = fresh_database("postgresql")
    loaded = _json("bench/scale.py", "load", url, str(factor))
    rows = [
        Row(
            f"4. load {loaded['customers']:,} customers, {2 * loaded['customers']:,} passes, "
            f"{loaded['bookings']:,} bookings (COPY)",
            f"{loaded['seconds']:.0f} s",
            "-",
            None,
            "minutes",
            loaded["seconds"] < 600,
        )
    ]
    server = Gunicorn(url, workers=2)
    try:
        pages = _json("bench/pages.py", url, server.base, str(requests))
        rss = server.worker_rss_mb()
    finally:
        server.stop()
    for page, t in pages.items():
        rows.append(
            Row(
                f"4. {page}, p95 of {requests}",
                f"{t['p95'] * 1000:.1f} ms",
                f"{t['floor_p95'] * 1000:.1f} ms",
                t["floor_p95"] / t["p95"],
                "p95 <= 100 ms",
                t["p95"] <= 0.1,
            )
        )
    n = str(loaded["customers"])  # a pass to expire and a subscription to renew each
    jobs = _json("bench/scale.py", "jobs", url, n, n)
    for job, t in jobs.items():
        rate, floor = t["items"] / t["seconds"], t["items"] / t["floor"]
        rows.append(
            Row(
                f"5. jobs: {job} of {t['items']:,} items",
                f"{rate:,.0f} items/s",
                f"{floor:,.0f}/s (set-based)",
                rate / floor,
                ">= 5,000 items/s",
                rate >= 5000,
            )
        )
    rows.append(
        Row(
            "6. memory: gunicorn worker RSS after the scale run",
            " / ".join(f"{mb:.0f} MB" for mb in rss),
            "-",
            None,
            "reported",
            None,
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--only", default="booking,http,rush,scale,jobs")
    parser.add_argument(
        "--factor", type=float, default=1.0, help="scale dataset size (1.0 = 100k customers)"
    )
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    n = 400 if args.quick else 2000
    rows: list[Row] = []
    if "booking" in wanted:
        for kind in ("postgresql", "sqlite"):
            rows += booking_rows(kind, n)
    if wanted & {"http", "rush"}:
        rows += http_rows(n)
    if wanted & {"scale", "jobs"}:
        rows += scale_rows(0.02 if args.quick else args.factor, 10 if args.quick else 40)
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
