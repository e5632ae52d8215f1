"""Cards on file, against localstripe: a customer saves a card (SetupIntent, recorded on
the webhook or when Stripe confirms it on return), each renewal is charged to it
off-session once, a declined card is tried again on the studio's schedule with an email
each time, then the renewal is past due; a new card pays it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from passbook import clock
from passbook.jobs import Report, charge_renewals
from passbook.models import Notification, Payment, Plan, Renewal, User
from passbook.models.online import CardOnFile, RenewalCharge
from passbook.services import cards_on_file, online_payments, payments, subscriptions
from passbook.services.payments import PaymentInput
from tests.factories import ProductFactory
from tests.integration.helpers import fresh
from tests.payments.conftest import deliver, event
from tests.portal.conftest import _customer, logged_in
from tests.threads import race_point, run_together, widen_race_window
from tests.web.conftest import password_hash

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 9, tzinfo=UTC)
GOOD, DECLINES = "4242424242424242", "4000000000000341"  # the second saves, then declines


@pytest.fixture
def clock_at():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ada(business):
    return _customer("Ada")


@pytest.fixture
def monthly(db):
    product = ProductFactory(name="Monthly unlimited", credits=None)
    return Plan.objects.create(
        name="Monthly unlimited", product=product, interval="month", price=Decimal("150")
    )


@pytest.fixture
def asks(monkeypatch):
    """Every PaymentIntent Passbook asks Stripe for, in order."""
    made: list[dict] = []
    original = online_payments.stripe.PaymentIntent.create

    def create(**kwargs):
        made.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(online_payments.stripe.PaymentIntent, "create", create)
    return made


def again(charge: RenewalCharge) -> RenewalCharge:
    return RenewalCharge.objects.get(pk=charge.pk)


def staff_client() -> Client:
    desk, _ = User.objects.get_or_create(
        username="desk", defaults={"role": "frontdesk", "password": password_hash()}
    )
    client = Client()
    client.force_login(desk)
    return client


def save_card(customer, number: str = GOOD) -> dict:
    """What the portal and Stripe.js do: start a SetupIntent, confirm it with a card;
    returns the SetupIntent as Stripe's webhook would carry it."""
    page = logged_in(customer).post("/portal/card/")
    assert page.url == "/portal/card/?enter=1"
    setup = CardOnFile.objects.get(customer=customer)
    api = online_payments.client()
    method = api.PaymentMethod.create(
        type="card", card={"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    )
    return api.SetupIntent.confirm(setup.setup_intent_id, payment_method=method.id).to_dict()


def with_card(customer, number: str = GOOD) -> None:
    answer = deliver(Client(), event("setup_intent.succeeded", save_card(customer, number)))
    assert answer.json()["outcome"] == "card saved"


def run_job(at: datetime | None = None) -> Report:
    report = Report()
    with time_machine.travel(at or clock.now(), tick=False):
        charge_renewals(report)
    return report


def stripe_says(kind: str, intent_id: str):
    """Deliver Stripe's event about one of our intents, built from the intent itself."""
    intent = online_payments.client().PaymentIntent.retrieve(intent_id).to_dict()
    return deliver(Client(), event(kind, intent))


def test_a_card_is_saved_when_the_webhook_says_so(stripe_on, clock_at, ada):
    customer = logged_in(ada)
    assert "No card saved" in customer.get("/portal/card/").content.decode()
    setup = save_card(ada)
    page = customer.get("/portal/card/?enter=1").content.decode()
    card = CardOnFile.objects.get(customer=ada)
    assert f'data-secret="{card.setup_secret}"' in page and "/static/portal/pay.js" in page
    assert not card.saved  # Stripe.js finishing is not enough

    evt = event("setup_intent.succeeded", setup)
    assert deliver(Client(), evt).json()["outcome"] == "card saved"
    assert deliver(Client(), evt).json()["outcome"] == "duplicate"
    card.refresh_from_db()
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)
    page = customer.get("/portal/card/").content.decode()
    assert "Visa ending 4242</strong>, expiring 12/2030" in page and "Replace card" in page


def test_back_from_stripe_js_stripe_is_asked_not_the_browser(stripe_on, clock_at, ada):
    setup = save_card(ada)
    customer = logged_in(ada)
    customer.get("/portal/card/?setup_intent=seti_forged")
    assert not CardOnFile.objects.get(customer=ada).saved
    back = customer.get(f"/portal/card/?setup_intent={setup['id']}", follow=True)
    assert CardOnFile.objects.get(customer=ada).last4 == "4242"
    assert "Your card is saved." in back.content.decode()
    evt = event("setup_intent.succeeded", setup)  # the webhook, after the return
    assert deliver(Client(), evt).json()["outcome"] == "card already saved"
    again = customer.get(f"/portal/card/?setup_intent={setup['id']}", follow=True)
    assert "Your card is saved." in again.content.decode()


def test_a_setup_intent_of_someone_else_is_not_saved(stripe_on, clock_at, ada):
    setup = save_card(ada)
    setup["metadata"] = {"customer_id": str(_customer("Bea").id)}
    assert deliver(Client(), event("setup_intent.succeeded", setup)).json()["outcome"] == (
        "unknown setup intent"
    )


def test_a_renewal_is_charged_once_and_paid_on_the_webhook(stripe_on, clock_at, ada, monthly, asks):
    with_card(ada)
    sub = subscriptions.start(ada.id, monthly.id)
    renewal = Renewal.objects.get(subscription=sub)
    assert run_job().counts == {"renewal charges": 1}
    assert run_job().counts == {"renewal charges": 0}  # the same run again asks nothing
    assert run_job(START + timedelta(hours=1)).counts == {"renewal charges": 0}
    [asked] = asks
    assert asked["off_session"] is True and asked["confirm"] is True and asked["amount"] == 15000
    assert asked["idempotency_key"] == f"passbook-renewal-{sub.id}-2026-12-01-1"
    charge = RenewalCharge.objects.get(renewal=renewal)
    assert charge.status == "pending" and charge.intent_id.startswith("pi_")
    assert fresh(renewal.issued_pass).amount_paid == 0  # Stripe's answer alone pays nothing

    assert stripe_says("payment_intent.succeeded", charge.intent_id).json()["outcome"] == "paid"
    assert fresh(renewal.issued_pass).amount_paid == Decimal("150")
    assert again(charge).status == "succeeded"
    assert run_job(START + timedelta(days=2)).counts == {"renewal charges": 0}


def test_a_lost_answer_is_asked_again_with_the_same_key(stripe_on, clock_at, ada, monthly, asks):
    with_card(ada)
    sub = subscriptions.start(ada.id, monthly.id)
    attempt = cards_on_file._begin(Renewal.objects.get(subscription=sub).id)  # then the run died
    assert attempt is not None and not asks
    assert run_job(START + timedelta(minutes=5)).counts == {"renewal charges": 0}
    assert run_job(START + timedelta(minutes=11)).counts == {"renewal charges": 1}
    assert [a["idempotency_key"] for a in asks] == [attempt.key]


def test_without_a_card_renewals_are_paid_at_the_desk(stripe_on, clock_at, ada, monthly, asks):
    subscriptions.start(ada.id, monthly.id)
    assert run_job().counts == {"renewal charges": 0} and not RenewalCharge.objects.exists()


def test_a_declined_card_follows_the_schedule_then_is_past_due(
    stripe_on, clock_at, ada, monthly, asks
):
    with_card(ada, DECLINES)
    sub = subscriptions.start(ada.id, monthly.id)
    charge = lambda: RenewalCharge.objects.get(renewal__subscription=sub)  # noqa: E731
    days = {0: 1, 0.5: 0, 1: 1, 2: 0, 3: 1, 6.9: 0, 7: 1, 30: 0}
    seen = []
    for day, asked in days.items():
        assert run_job(START + timedelta(days=day)).counts == {"renewal charges": asked}, day
        seen.append((charge().attempts, charge().status))
    assert seen == [
        (1, "failed"), (1, "failed"), (2, "failed"), (2, "failed"),
        (3, "failed"), (3, "failed"), (4, "past_due"), (4, "past_due"),
    ]  # fmt: skip
    assert [a["idempotency_key"][-2:] for a in asks] == ["-1", "-2", "-3", "-4"]
    assert charge().next_attempt_at is None and "declined" in charge().last_failure

    emails = Notification.objects.filter(key__startswith="renewal-declined:").order_by("id")
    assert emails.count() == 4 and {m.to for m in emails} == {"ada@example.com"}
    assert "try again on 02 December" in emails[0].body
    assert "We will not try again" in emails[3].body
    assert all("/portal/card/" in m.body for m in emails)

    page = staff_client().get("/office/past-due/").content.decode()
    assert "Ada Test" in page and "Monthly unlimited" in page and "150.00 USD" in page
    assert "Past due" in page and charge().last_failure in page
    portal = logged_in(ada).get("/portal/card/").content.decode()
    assert "could not be charged" in portal and "Past due." in portal


def test_a_new_card_pays_what_was_declined(stripe_on, clock_at, ada, monthly, asks):
    with_card(ada, DECLINES)
    sub = subscriptions.start(ada.id, monthly.id)
    run_job()
    charge = RenewalCharge.objects.get(renewal__subscription=sub)
    declined = {
        "id": "pi_declined",
        "object": "payment_intent",
        "metadata": {"renewal_charge_id": str(charge.id), "attempt": "1"},
        "last_payment_error": {"message": "Your card was declined."},
    }
    answer = deliver(Client(), event("payment_intent.payment_failed", declined))
    assert answer.json()["outcome"] == "failure already recorded"  # by Stripe's answer

    with time_machine.travel(START + timedelta(hours=5), tick=False):
        with_card(ada, GOOD)
    assert run_job(START + timedelta(hours=5)).counts == {"renewal charges": 1}
    charge = again(charge)
    assert charge.attempts == 2 and charge.status == "pending"
    stripe_says("payment_intent.succeeded", charge.intent_id)
    assert again(charge).status == "succeeded"
    assert fresh(charge.renewal.issued_pass).amount_paid == Decimal("150")
    assert "Nothing past due." in staff_client().get("/office/past-due/").content.decode()


def test_a_replaced_card_is_detached_at_stripe(
    stripe_on, clock_at, ada, monkeypatch, django_capture_on_commit_callbacks
):
    detached = []
    detach = online_payments.stripe.PaymentMethod.detach
    monkeypatch.setattr(
        online_payments.stripe.PaymentMethod,
        "detach",
        lambda method_id, **kw: detached.append(method_id) or detach(method_id, **kw),
    )
    with django_capture_on_commit_callbacks(execute=True):
        with_card(ada, DECLINES)
    assert detached == []  # the first card replaces nothing
    old = CardOnFile.objects.get(customer=ada).payment_method_id
    with django_capture_on_commit_callbacks(execute=True):  # once the card is recorded
        with_card(ada, GOOD)
    assert detached == [old] != [CardOnFile.objects.get(customer=ada).payment_method_id]


def test_paid_at_the_desk_meanwhile_is_not_charged(stripe_on, clock_at, ada, monthly, asks):
    with_card(ada, DECLINES)
    sub = subscriptions.start(ada.id, monthly.id)
    run_job()
    p = Renewal.objects.get(subscription=sub).issued_pass
    payments.record_payment(p.id, PaymentInput(Decimal("150"), Payment.Method.CASH))
    assert run_job(START + timedelta(days=1)).counts == {"renewal charges": 0}
    assert len(asks) == 1
    assert "Nothing past due." in staff_client().get("/office/past-due/").content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_runs_at_once_ask_stripe_once_per_attempt(
    stripe_on, ada, monthly, asks, locking, monkeypatch
):
    """Five runs of the job at once, when a retry is due: under the customer lock one of
    them writes attempt 2 and asks Stripe; without it each asks (on real Stripe the
    idempotency key would still charge once; localstripe ignores keys, so the race shows)."""
    with time_machine.travel(START, tick=False):
        with_card(ada, DECLINES)
        sub = subscriptions.start(ada.id, monthly.id)
        run_job()
    renewal = Renewal.objects.get(subscription=sub)
    # all five have read the failed attempt before any writes
    race_point(monkeypatch, cards_on_file, "_next_attempt", locking=locking, runs=5, seconds=0.05)
    with time_machine.travel(START + timedelta(days=1), tick=False):
        run_together(5, lambda n: cards_on_file.charge(renewal.id))
    keys = [a["idempotency_key"][-2:] for a in asks]
    charge = RenewalCharge.objects.get(renewal=renewal)
    assert charge.attempts == 2 and charge.status == "failed"
    if locking:
        assert keys == ["-1", "-2"]
    else:
        assert keys.count("-2") > 1


def test_the_pages_need_a_login_and_say_so_without_stripe(ada):
    assert Client().get("/office/past-due/").status_code == 302
    assert Client().get("/portal/card/").status_code == 302
    customer = logged_in(ada)
    assert "not available here" in customer.get("/portal/card/").content.decode()
    page = customer.post("/portal/card/", follow=True).content.decode()
    assert "Online card payments are not set up." in page
    assert not CardOnFile.objects.exists()


def test_stripe_unreachable_saves_nothing(stripe_on, settings, ada):
    settings.PASSBOOK_STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    page = logged_in(ada).post("/portal/card/", follow=True).content.decode()
    assert "could not be reached" in page
    assert not CardOnFile.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_first_charge_at_once_is_asked_once(stripe_on, ada, monthly, asks, locking, monkeypatch):
    """Five runs at once find a new renewal: one charge, one ask. Without the lock the
    unique charge per renewal is the last word (the other runs' inserts fail)."""
    with time_machine.travel(START, tick=False):
        with_card(ada)
        renewal = Renewal.objects.get(subscription=subscriptions.start(ada.id, monthly.id))
        widen_race_window(monkeypatch, cards_on_file, "_next_attempt", 0.05)
        asked = run_together(5, lambda n: cards_on_file.charge(renewal.id))
    assert sorted(asked) == [False] * 4 + [True]
    assert len(asks) == 1 and RenewalCharge.objects.get(renewal=renewal).attempts == 1
