"""Online payments: a real localstripe (a fake Stripe server from PyPI) started once per
test session, and helpers to build and sign webhook events like Stripe does."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import stripe

SECRET = "whsec_passbook_tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """The base URL of a localstripe server of this test session's own (stopped after)."""
    port = _free_port()
    program = Path(sys.executable).with_name("localstripe")
    log = (tmp_path_factory.mktemp("localstripe") / "server.log").open("w")
    server = subprocess.Popen(
        [str(program), "--port", str(port), "--from-scratch"],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path_factory.mktemp("localstripe-cwd"),  # it keeps its store in the cwd
    )
    base = f"http://localhost:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture
def stripe_on(settings, localstripe):
    """Online payments configured against the local server."""
    settings.PASSBOOK_STRIPE_SECRET_KEY = "sk_test_passbook"
    settings.PASSBOOK_STRIPE_PUBLISHABLE_KEY = "pk_test_passbook"
    settings.PASSBOOK_STRIPE_WEBHOOK_SECRET = SECRET
    settings.PASSBOOK_STRIPE_API_BASE = localstripe
    settings.PASSBOOK_STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    yield localstripe
    stripe.api_base = "https://api.stripe.com"
    stripe.api_key = None


@pytest.fixture
def webhooks_to_us(stripe_on, live_server, settings):
    """localstripe posts its signed events to our webhook. It signs with the real time,
    while the suite's clock may be pinned or moved: no age limit on signatures here."""
    settings.PASSBOOK_STRIPE_WEBHOOK_TOLERANCE = 0
    _send_webhooks(stripe_on, f"{live_server.url}/payments/stripe/webhook/")
    yield live_server
    # localstripe posts each event a second after it, to the webhooks configured then:
    # an event of this test must not land in a later test's database.
    _send_webhooks(stripe_on, "http://127.0.0.1:9/")  # nothing listens there


def _send_webhooks(localstripe: str, url: str) -> None:
    data = urllib.parse.urlencode({"url": url, "secret": SECRET}).encode()
    urllib.request.urlopen(f"{localstripe}/_config/webhooks/passbook", data=data).close()


@pytest.fixture
def webhook_secret(settings):
    """Only the webhook secret: enough for the handler's unit tests (no server)."""
    settings.PASSBOOK_STRIPE_WEBHOOK_SECRET = SECRET
    return SECRET


def signed(event: dict, secret: str = SECRET, at: int | None = None) -> tuple[bytes, str]:
    """The body and Stripe-Signature header Stripe would send for `event`."""
    payload = json.dumps(event).encode()
    stamp = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), b"%d.%s" % (stamp, payload), hashlib.sha256)
    return payload, f"t={stamp},v1={signature.hexdigest()}"


_ids = iter(range(1, 10**9))


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_ids)}",
        "object": "event",
        "type": kind,
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "data": {"object": obj},
    }


def intent(intent_id: str, pass_id: int, amount: int, *, currency="usd", error=None) -> dict:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": 0 if error else amount,
        "currency": currency,
        "metadata": {"pass_id": str(pass_id)},
        "status": "requires_payment_method" if error else "succeeded",
        "last_payment_error": {"message": error} if error else None,
    }


def charge(intent_id: str, amount: int, refunded: int, refund_ids=(), currency="usd") -> dict:
    return {
        "id": f"ch_for_{intent_id}",
        "object": "charge",
        "amount": amount,
        "amount_refunded": refunded,
        "currency": currency,
        "payment_intent": intent_id,
        "refunded": refunded == amount,
        "refunds": {"object": "list", "data": [{"id": r} for r in refund_ids]},
    }


def deliver(client, evt: dict, secret: str = SECRET, at: int | None = None):
    payload, header = signed(evt, secret, at)
    return client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
