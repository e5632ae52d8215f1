"""Writing to the outbox (inside the caller's transaction) and delivering from it."""

import hashlib
import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F

from passbook import clock
from passbook.models import (
    Booking,
    Business,
    Customer,
    Notification,
    Pass,
    Session,
    User,
    WaitlistEntry,
)
from passbook.prepared import Insert
from passbook.services import bulk, locks

# A failed message is tried again after each of these waits, then given up (it stays in
# the outbox, unsent, with its last error, for staff to see).
RETRY_AFTER = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
]
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
# How long a claimed message is left to the run that claimed it, before another run may
# take it over (that run died between claiming and recording).
LEASE = timedelta(minutes=10)


def enqueue(kind: str, key: str, customer: Customer, subject: str, body: str) -> None:
    """Queue a message once per key; customers without an email address get none."""
    enqueue_all([message(kind, key, customer, subject, body)])


def message(kind: str, key: str, customer: Customer, subject: str, body: str) -> Notification:
    m = unaddressed(kind, subject, body)
    m.key, m.customer, m.to = key, customer, customer.email
    return m


def unaddressed(kind: str, subject: str, body: str) -> Notification:
    """A message without key or addressee yet (a set-based insert fills them in)."""
    now = clock.now()
    return Notification(kind=kind, subject=subject, body=body, created_at=now, due_at=now)


def enqueue_all(messages: list[Notification]) -> None:
    """Queue messages, each once per key, in one INSERT … ON CONFLICT DO NOTHING (no
    SELECT, no savepoint); messages to customers without an email address are dropped."""
    kept = [m for m in messages if m.to]
    if len(kept) == 1:  # a booking's, most often: compiled once
        _ONE_MESSAGE.save(kept[0])
    else:
        Notification.objects.bulk_create(kept, ignore_conflicts=True)


_ONE_MESSAGE = Insert(Notification, ignore_conflicts=True)


def _when(booking: Booking) -> str:
    return _session_when(booking.session)


def _session_when(session: Session) -> str:
    local = session.starts_at.astimezone(Business.current().tz)
    return f"{session.class_type} on {local:%a %d %b at %H:%M}"


def booking_confirmed(booking: Booking) -> None:
    messages = [
        message(
            Notification.Kind.BOOKING_CONFIRMED,
            f"booked:{booking.id}",
            booking.customer,
            "Booking confirmed",
            f"You are booked into {_when(booking)} ({booking.cost_label}).",
        )
    ]
    p = booking.customer_pass
    if p is not None and p.remaining == 1:
        messages.append(
            message(
                Notification.Kind.ONE_CREDIT_LEFT,
                f"one-left:{p.id}:{booking.id}",
                booking.customer,
                "One credit left",
                f"Your {p.name} has one credit left. Top it up or buy a new pass to keep booking.",
            )
        )
    enqueue_all(messages)


def booking_cancelled(booking: Booking) -> None:
    enqueue(
        Notification.Kind.BOOKING_CANCELLED,
        f"cancelled:{booking.id}",
        booking.customer,
        "Booking cancelled",
        f"Your booking for {_when(booking)} is cancelled ({booking.get_status_display().lower()}).",
    )


def waitlist_promoted(entry: WaitlistEntry, booking: Booking) -> None:
    enqueue(
        Notification.Kind.WAITLIST_PROMOTED,
        f"waitlist-promoted:{entry.id}",
        entry.customer,
        "A place came free: you are booked",
        f"A place came free and you are booked into {_when(booking)} ({booking.cost_label}).",
    )


def waitlist_skipped(entry: WaitlistEntry, reason: str) -> None:
    """Once per entry and reason (another place freeing for the same reason says nothing
    new)."""
    digest = hashlib.sha256(reason.encode()).hexdigest()[:16]
    enqueue(
        Notification.Kind.WAITLIST_SKIPPED,
        f"waitlist-skipped:{entry.id}:{digest}",
        entry.customer,
        "A place came free, but we could not book you",
        f"A place came free in {_session_when(entry.session)}, but we could not book you: "
        f"{reason} You are still on the waitlist.",
    )


def enqueue_per_row(m: Notification, key: str, source: str, params: Sequence) -> None:
    """Queue `m` once for each row of `FROM {source}`, a WHERE clause naming the customer
    `c`; `key` is SQL. Set-based, for batches; like enqueue_all(), once per key, and
    customers without an email address get none."""
    computed = {"key": key, "customer_id": "c.id", "to": "c.email"}
    bulk.insert_select(m, computed, f"{source} AND c.email <> ''", params, skip_conflicts=True)


def pass_purchased(p: Pass) -> None:
    enqueue(
        Notification.Kind.PASS_PURCHASED,
        f"purchased:{p.id}",
        p.customer,
        f"Your {p.name}",
        f"Thank you for buying {p.name}.",
    )


def deliver(batch: int = 50) -> tuple[int, int]:
    """Send what is due; failures are retried later with back-off, up to MAX_ATTEMPTS.
    Returns (sent, failed).

    Claim, commit, send, record: a batch is claimed in a short transaction (rows other
    runs hold are skipped, and the claim pushes each message's due time a lease ahead),
    then each message is sent with no transaction open and no row locked, and its result
    recorded. A failed commit can no longer send a message twice; only a run that dies
    between sending and recording leaves one to be sent again, after the lease.
    """
    sent = failed = 0
    while True:
        claimed = _claim(batch)
        for message in claimed:
            if _send(message):
                sent += 1
            else:
                failed += 1
        if len(claimed) < batch:
            return sent, failed


@transaction.atomic
def _claim(batch: int) -> list[Notification]:
    now = clock.now()
    queue = Notification.objects.filter(
        sent_at__isnull=True, due_at__lte=now, attempts__lt=MAX_ATTEMPTS
    )
    claimed = list(locks.claim(queue.order_by("due_at", "id"))[:batch])
    Notification.objects.filter(id__among=[m.id for m in claimed]).update(
        due_at=now + LEASE, attempts=F("attempts") + 1
    )
    return claimed


def _send(message: Notification) -> bool:
    attempts = message.attempts + 1
    try:
        send_mail(message.subject, message.body, None, [message.to])
    except Exception as exc:  # noqa: BLE001 - any delivery failure is retried later
        wait = RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
        Notification.objects.filter(id=message.id).update(
            last_error=f"{type(exc).__name__}: {exc}"[:300], due_at=clock.now() + wait
        )
        return False
    Notification.objects.filter(id=message.id).update(sent_at=clock.now())
    return True


def pass_expiring(p: Pass) -> None:
    """Once per pass and expiry date (extending it earns a new notice later)."""
    assert p.expires_at is not None, "only a pass with an expiry date expires"
    last_day = p.expires_at.astimezone(Business.current().tz).date()
    enqueue(
        Notification.Kind.PASS_EXPIRING,
        f"expiring:{p.id}:{last_day}",
        p.customer,
        f"Your {p.name} expires on {last_day:%d %B}",
        f"Your {p.name} expires on {last_day:%d %B %Y}. Book your remaining classes before then.",
    )


def confirm_email(customer: Customer, link: str) -> None:
    enqueue(
        Notification.Kind.CONFIRM_EMAIL,
        f"confirm:{uuid.uuid4().hex}",
        customer,
        f"Confirm your email for {Business.current().name}",
        f"Open this link to confirm your address and start booking:\n\n{link}\n\n"
        "If you did not sign up, ignore this message.",
    )


def account_exists(user: User) -> None:
    """Someone signed up with an address that already has a login: tell its owner."""
    customer = Customer.objects.filter(user=user).first()
    _to_address(
        Notification.Kind.ACCOUNT_EXISTS,
        user.email or user.username,
        customer,
        f"Your account at {Business.current().name}",
        "Someone tried to create an account with this email address, which already has "
        "one. If it was you, log in, or reset your password if you have forgotten it. "
        "If not, you can ignore this message.",
    )


def password_reset(to: str, customer: Customer | None, subject: str, body: str) -> None:
    _to_address(Notification.Kind.PASSWORD_RESET, to, customer, subject, body)


def staff_invite(user: User, link: str, days: int) -> None:
    """A new staff login's invitation: a link (valid for `days`) to choose a password."""
    studio = Business.current().name
    _to_address(
        Notification.Kind.STAFF_INVITE,
        user.email,
        None,
        f"Your staff login at {studio}",
        f"You have a {user.get_role_display().lower()} login for the back office of "
        f"{studio}. Choose your password here (the link works once, for {days} days):"
        f"\n\n{link}\n\nThen sign in with this email address: {user.email}",
    )


def _to_address(kind: str, to: str, customer: Customer | None, subject: str, body: str) -> None:
    """A one-off message to an address (a login's, which may have no customer record)."""
    m = unaddressed(kind, subject, body)
    m.key, m.customer, m.to = f"{kind}:{uuid.uuid4().hex}", customer, to
    enqueue_all([m])
