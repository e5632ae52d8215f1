"""Run the `passbook` command in a subprocess, as a user would, at a pinned moment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A Wednesday morning, unless a test says otherwise.
PINNED = "2026-06-10T09:00:00+00:00"


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), **extra}


def passbook(
    *args: str,
    url: str,
    at: str = PINNED,
    check: bool = True,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`passbook ARGS…` against the database at `url`, with the clock at `at` (ticking)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.pinned", at, *args],
        env=env or env_for(url),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def small_studio(url: str, at: str = PINNED) -> None:
    """Migrate the database at `url` and load tests/small_studio.py into it."""
    passbook("migrate", "-v0", url=url, at=at)
    build = "from tests.small_studio import build; build()"
    passbook("shell", "-c", build, url=url, at=at)
