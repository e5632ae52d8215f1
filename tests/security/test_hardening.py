"""Hardening: deploy settings, CSP, login behaviour, sessions, CSRF, hostile input."""

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import date, datetime, time

import pytest
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


def test_throttling_is_per_account_and_per_address(office, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit):  # one account, guessed from many addresses
        Client(REMOTE_ADDR=f"10.0.0.{n + 1}").post(
            "/office/login/", {"username": "owner", "password": "wrong"}
        )
    owner_locked = Client(REMOTE_ADDR="10.0.1.1").post(
        "/office/login/", {"username": "owner", "password": PASSWORD}
    )
    assert owner_locked.status_code in {403, 429}
    sprayer = Client(REMOTE_ADDR="10.0.2.2")  # one address trying many accounts
    for name in ["a", "b", "c", "d", "e"][:limit]:
        sprayer.post("/office/login/", {"username": name, "password": "wrong"})
    assert sprayer.post(
        "/office/login/", {"username": "manager", "password": PASSWORD}
    ).status_code in {403, 429}


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
