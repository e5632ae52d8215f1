"""Hardening: deploy settings, CSP, login behaviour, sessions, CSRF, hostile input."""

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.test import Client

from passbook.models import Business, Customer, Pass, User
from passbook.services import passes, schedule
from passbook.services.errors import DomainError
from passbook.services.schedule import SessionInput
from tests.integration.helpers import fingerprint
from tests.web.conftest import PASSWORD
from tests.web.test_views import ACTIONS

CLI = [sys.executable, "-m", "passbook.cli"]


def _production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # test-only
    return {
        **env,
        "PASSBOOK_DEBUG": "false",
        "PASSBOOK_ALLOWED_HOSTS": "studio.example",
        "PASSBOOK_SECRET_KEY": secrets.token_urlsafe(60),
        **extra,
    }


def test_deploy_check_is_clean_with_production_settings():
    result = subprocess.run(
        [*CLI, "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env()
    del env["PASSBOOK_SECRET_KEY"]
    result = subprocess.run(
        [*CLI, "check"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "PASSBOOK_SECRET_KEY" in result.stderr


SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    " print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECRET_KEY]))"
)


def test_the_defaults_are_safe_and_still_work_over_http_on_this_machine(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASSBOOK_")}
    env["DJANGO_SETTINGS_MODULE"] = "passbook.settings"

    def settings_in(folder):
        shown = subprocess.run(
            [sys.executable, "-c", SHOW_SETTINGS],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(shown.stdout)

    debug, secure_cookie, https_redirect, key = settings_in(tmp_path)
    assert (debug, secure_cookie, https_redirect) == (False, False, False)
    kept = tmp_path / ".passbook-secret-key"
    assert key == kept.read_text() and len(key) >= 50 and kept.stat().st_mode & 0o077 == 0
    assert settings_in(tmp_path)[3] == key  # the same key next time: sessions survive
    other = tmp_path / "other"
    other.mkdir()
    assert settings_in(other)[3] != key  # never a key shared between installations


@pytest.mark.parametrize("path", ["/office/login/", "/portal/login/", "/api/v1/docs", "/"])
def test_every_page_carries_a_content_security_policy(db, business, path):
    policy = Client().get(path)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("login", ["/office/login/", "/portal/login/"])
def test_unknown_user_and_wrong_password_get_the_same_answer(office, login):
    def answer(username):
        page = Client().post(login, {"username": username, "password": "nope"})
        return page.status_code, re.sub(r"[A-Za-z0-9]{64}", "<token>", page.content.decode())

    assert answer("manager") == answer("nobody-by-this-name")


def test_the_session_id_changes_at_login_and_dies_at_logout(office):
    client = Client()
    client.get("/office/login/")
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    client.post("/office/login/", {"username": "manager", "password": PASSWORD})
    after = client.cookies["sessionid"].value
    assert after != before
    client.post("/office/logout/")
    stolen = Client()
    stolen.cookies["sessionid"] = after
    assert stolen.get("/office/passes/").status_code == 302  # back to log in


def _login(remote: str, username: str, password: str = "wrong", forwarded: str = ""):
    client = Client(REMOTE_ADDR=remote)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/office/login/", {"username": username, "password": password}, headers=headers
    )


def _locked(response) -> bool:
    return response.status_code in {403, 429}


def test_a_guesser_at_one_address_is_stopped_without_locking_the_owner_out(office, settings):
    for _ in range(settings.PASSBOOK_LOGIN_LIMITS[0]):
        _login("203.0.113.9", "owner")
    assert _locked(_login("203.0.113.9", "owner", PASSWORD))
    assert not _locked(_login("198.51.100.1", "owner", PASSWORD))  # the owner, elsewhere


def test_an_account_guessed_from_many_addresses_locks_at_the_slower_limit(office, settings):
    per_account = settings.PASSBOOK_LOGIN_LIMITS[1]
    for n in range(per_account - 1):
        _login(f"10.1.{n // 250}.{n % 250 + 1}", "owner")
    assert not _locked(_login("198.51.100.1", "owner", PASSWORD))
    for n in range(per_account):
        _login(f"10.2.{n // 250}.{n % 250 + 1}", "owner")
    assert _locked(_login("198.51.100.2", "owner", PASSWORD))


def test_one_address_spraying_many_accounts_is_stopped(office, settings):
    for n in range(settings.PASSBOOK_LOGIN_LIMITS[2]):
        _login("203.0.113.7", f"someone-{n}")
    assert _locked(_login("203.0.113.7", "manager", PASSWORD))


def test_refused_attempts_during_a_lockout_do_not_extend_it(office, settings):
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(settings.PASSBOOK_LOGIN_LIMITS[0]):
            _login("203.0.113.9", "owner")
    with time_machine.travel(start + timedelta(minutes=55), tick=False):
        assert _locked(_login("203.0.113.9", "owner"))  # still locked, and refused
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert not _locked(_login("203.0.113.9", "owner", PASSWORD))


def test_behind_the_documented_proxy_each_client_is_throttled_on_its_own(office, settings):
    settings.PASSBOOK_TRUSTED_PROXIES = ["127.0.0.1"]  # docs/operations.md: the TLS proxy
    for _ in range(settings.PASSBOOK_LOGIN_LIMITS[2] + 1):
        _login("127.0.0.1", "owner", forwarded="203.0.113.9")  # one guesser ...
    assert _locked(_login("127.0.0.1", "owner", PASSWORD, forwarded="203.0.113.9"))
    # ... does not lock out the owner or anyone else coming through the same proxy,
    assert not _locked(_login("127.0.0.1", "owner", PASSWORD, forwarded="198.51.100.1"))
    assert not _locked(_login("127.0.0.1", "manager", PASSWORD, forwarded="198.51.100.2"))
    # and a client that is not the proxy cannot pick its own address by saying so.
    for _ in range(settings.PASSBOOK_LOGIN_LIMITS[0]):
        _login("192.0.2.50", "manager", forwarded=f"10.9.9.{_ + 1}")
    assert _locked(_login("192.0.2.50", "manager", PASSWORD, forwarded="10.9.9.99"))


@pytest.mark.parametrize(("path", "data", "_role"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_every_office_form_needs_the_csrf_token(office, path, data, _role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_owner())
    before = fingerprint()
    data = {k: v.format(o=office) for k, v in data.items()}
    assert client.post(path.format(o=office), data).status_code == 403
    assert fingerprint() == before


def _owner() -> User:
    return User.objects.get(username="owner")


def test_script_in_a_name_is_shown_as_text(office):
    Customer.objects.filter(pk=office.ada.pk).update(first_name="<script>alert(1)</script>")
    client = Client()
    client.force_login(_owner())
    for path in [
        f"/office/customers/{office.ada.id}/",
        "/office/passes/",
        f"/office/sessions/{office.session.id}/",
    ]:
        page = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "data",
    [
        {"amount": "1" + "0" * 40, "method": "cash"},
        {"amount": "-5", "method": "cash"},
        {"amount": "NaN", "method": "cash"},
        {"amount": "5", "method": "cash", "received_on": "99999-01-01"},
        {"amount": "5", "method": "<b>gold</b>"},
    ],
)
def test_hostile_payment_input_gets_a_clear_error_and_changes_nothing(office, data):
    client = Client()
    client.force_login(_owner())
    before = fingerprint()
    response = client.post(f"/office/passes/{office.pass_ada.id}/payments/", data)
    assert response.status_code == 422
    assert 'data-error-for="' in response.content.decode()
    assert fingerprint() == before


@pytest.mark.parametrize(
    "day", [date(1, 1, 1), date(1999, 12, 31), date(2100, 1, 1), date(9999, 12, 31)]
)
def test_far_dates_are_refused_by_the_services(office, day):
    before = fingerprint()
    with pytest.raises(DomainError) as refused:
        passes.change_validity(office.pass_ada.id, starts_on=None, expires_on=day)
    assert refused.value.code == "invalid_input" and "2000 and 2099" in refused.value.message
    noon = datetime.combine(max(day, date(1, 1, 2)), time(12), tzinfo=Business.current().tz)
    with pytest.raises(DomainError):
        schedule.create_session(SessionInput(office.yoga, noon))
    assert fingerprint() == before
    assert Pass.objects.get(pk=office.pass_ada.pk).expires_at == office.pass_ada.expires_at
