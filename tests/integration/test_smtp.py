"""Notifications reach a real SMTP server (aiosmtpd, started by the test) — and nothing is
lost while it is down: delivery is retried once it is back."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from passbook import clock
from passbook.jobs import run_all
from passbook.models import Notification
from passbook.services import notifications
from tests.integration.helpers import sell


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_delivery_to_smtp_survives_the_server_being_down(
    business, customer, ten_pack, settings, port
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    sell(customer, ten_pack)
    assert run_all().counts["failed"] == 1  # nothing listening yet
    message = Notification.objects.get()
    assert message.sent_at is None and message.attempts == 1
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with clock.at(message.due_at + timedelta(seconds=1)):
            assert run_all().counts["sent"] == 1
    finally:
        server.stop()
    [(to, content)] = inbox.messages
    assert to == [customer.email] and "Subject: Your 10-class pass" in content
    assert Notification.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_mail_is_sent_with_no_transaction_open_and_nothing_locked(
    business, customer, ten_pack, monkeypatch
):
    sell(customer, ten_pack)
    seen = []
    monkeypatch.setattr(
        notifications, "send_mail", lambda *args: seen.append(connection.in_atomic_block)
    )
    assert notifications.deliver() == (1, 0)
    assert seen == [False]


def test_a_run_that_died_after_claiming_leaves_the_message_to_a_later_run(
    business, customer, ten_pack, mailoutbox
):
    sell(customer, ten_pack)
    [claimed] = notifications._claim(batch=10)  # ... and the run died before sending
    assert notifications.deliver() == (0, 0) and mailoutbox == []  # not sent twice meanwhile
    with clock.at(clock.now() + notifications.LEASE + timedelta(seconds=1)):
        assert notifications.deliver() == (1, 0)
    assert len(mailoutbox) == 1 and Notification.objects.get().attempts == 2


def test_a_message_that_keeps_failing_is_tried_a_few_times_then_left(
    business, customer, ten_pack, settings, port
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    sell(customer, ten_pack)
    moment = clock.now()
    for _ in range(notifications.MAX_ATTEMPTS + 3):
        moment += timedelta(days=1)
        with clock.at(moment):
            notifications.deliver()
    message = Notification.objects.get()
    assert message.attempts == notifications.MAX_ATTEMPTS and message.sent_at is None
    assert "Connection refused" in message.last_error or "Error" in message.last_error
