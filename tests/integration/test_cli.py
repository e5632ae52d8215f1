"""The `passbook` command as a newcomer runs it: demo, verify, serve (real subprocesses)."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

CLI = [sys.executable, "-m", "passbook.cli"]


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """A demo studio in a fresh SQLite file, loaded by `passbook demo`."""
    folder = tmp_path_factory.mktemp("studio")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'passbook.sqlite3'}",
        "PASSBOOK_STATIC_ROOT": str(folder / "static"),
    }
    result = subprocess.run(
        [*CLI, "demo"], env=env, cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "owner" in result.stdout and "verify: OK" in result.stdout
    return folder, env


def _run(studio, *args):
    folder, env = studio
    return subprocess.run(
        [*CLI, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=120
    )


def test_serve_answers_on_its_port(studio):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder, env = studio
    server = subprocess.Popen(
        [*CLI, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/")
        assert "Harbour Movement Studio" in body
        assert "Log in" in _get_when_up(f"http://127.0.0.1:{port}/admin/login/")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get_when_up(url: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_demo_twice_is_refused(studio):
    again = _run(studio, "demo")
    assert again.returncode == 1 and "empty" in again.stderr


def test_verify_exits_0_when_clean_and_1_with_a_report_when_not(studio):
    clean = _run(studio, "verify")
    assert clean.returncode == 0 and "verify: OK" in clean.stdout
    folder, _env = studio
    with sqlite3.connect(folder / "passbook.sqlite3") as db:
        db.execute("UPDATE passbook_pass SET held = held + 1 WHERE id = 1")
    broken = _run(studio, "verify")
    assert broken.returncode == 1
    assert "pass 1 (" in broken.stderr and "ledger gives" in broken.stderr
