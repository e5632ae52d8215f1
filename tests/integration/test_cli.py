"""The `passbook` command as people run it (real subprocesses, the clock pinned): serve,
verify, demo, and a domain error as one plain line."""

import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests import small_studio
from tests.clirun import env_for, passbook
from tests.clirun import small_studio as load_small_studio


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """The small fixed studio in a fresh SQLite file."""
    folder = tmp_path_factory.mktemp("studio")
    url = f"sqlite:///{folder / 'passbook.sqlite3'}"
    load_small_studio(url)
    return folder, url


def test_serve_answers_on_its_port_and_names_the_back_office(studio):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder, url = studio
    server = subprocess.Popen(
        [sys.executable, "-m", "passbook.cli", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env_for(url, PASSBOOK_STATIC_ROOT=str(folder / "static")),
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        home = _get_when_up(f"http://127.0.0.1:{port}/")
        assert small_studio.NAME in home and 'href="/office/"' in home
        assert "admin" not in home
        assert "Staff log in" in _get_when_up(f"http://127.0.0.1:{port}/office/login/")
        printed = [server.stdout.readline() for _ in range(2)]
        assert f"http://127.0.0.1:{port}/office/" in printed[1]
        _safe_by_default(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _safe_by_default(base: str) -> None:
    """No debug pages unless asked for, yet plain HTTP works on this machine's own address:
    cookies are not marked Secure (so logins work) and nothing redirects to HTTPS."""
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/no-such-page/", timeout=5)
    body = missing.value.read().decode()
    assert missing.value.code == 404 and "Traceback" not in body and len(body) < 2000
    assert missing.value.headers["X-Request-ID"]
    with urllib.request.urlopen(f"{base}/office/login/", timeout=5) as page:
        assert page.url.startswith("http://")
        cookies = page.headers.get_all("Set-Cookie")
    assert any("csrftoken" in c for c in cookies) and not any("Secure" in c for c in cookies)


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


def test_serve_refuses_no_workers_in_one_line(studio):
    refused = passbook("serve", "--workers", "0", url=studio[1], check=False)
    assert refused.returncode == 2
    assert refused.stderr.strip() == "CommandError: --workers must be at least 1"


def test_demo_refuses_a_database_that_has_data(studio):
    again = passbook("demo", url=studio[1], check=False)
    assert again.returncode == 1 and "empty" in again.stderr


def test_a_domain_error_is_one_plain_line_and_exit_status_1(studio):
    refused = passbook("extend-passes", "--days", "0", "--reason", "x", url=studio[1], check=False)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("CommandError: ") and line.endswith("[invalid_input]")


def test_verify_exits_0_when_clean_and_1_with_a_report_when_not(tmp_path):
    url = f"sqlite:///{tmp_path / 'passbook.sqlite3'}"
    load_small_studio(url)
    clean = passbook("verify", url=url)
    assert "verify: OK" in clean.stdout
    with sqlite3.connect(tmp_path / "passbook.sqlite3") as db:
        db.execute("UPDATE passbook_pass SET held = held + 1 WHERE id = 1")
    broken = passbook("verify", url=url, check=False)
    assert broken.returncode == 1
    assert "pass 1 (" in broken.stderr and "ledger gives" in broken.stderr


@pytest.mark.parametrize(
    "at, zone",
    [
        ("2026-12-02T01:00:00+00:00", "Pacific/Kiritimati"),  # the newcomer's Wednesday
        ("2026-10-04T08:00:00+00:00", "America/Los_Angeles"),  # Sydney's clocks went forward
    ],
)
def test_demo_loads_from_the_command_line_in_any_server_zone(tmp_path, at, zone):
    url = f"sqlite:///{tmp_path / 'passbook.sqlite3'}"
    loaded = passbook("demo", url=url, at=at, env=env_for(url, TZ=zone))
    assert "verify: OK" in loaded.stdout and "/office/" in loaded.stdout
