"""Selling passes and the staff edits on them (Nabooki's booking ticket)."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet

from passbook import clock
from passbook.models import Booking, Business, ClassType, Pass, PassProduct, User
from passbook.models.catalog import StartRule
from passbook.queries import payment_condition
from passbook.rules import history
from passbook.rules.calendar import end_of_day, local_date, start_of_day, window
from passbook.rules.ledger import EntryKind
from passbook.rules.money import PaymentStatus
from passbook.rules.wording import counted
from passbook.services import credit, errors, ledger, locks, notifications, waitlists
from passbook.services.bookings import book_locked, cancel_and_release
from passbook.services.payments import PaymentInput, add_payment, spend, take_money
from passbook.services.schedule import SessionInput, create_session_locked


@transaction.atomic
def sell(
    customer_id: int,
    product_id: int,
    *,
    price: Decimal | None = None,
    payment: PaymentInput | None = None,
    session_ids: Sequence[int] = (),
    source: str = Pass.Source.SALE,
    use_credit: bool = False,
    actor: User | None = None,
    paying_online: bool = False,
) -> Pass:
    """Sell a pass, optionally taking a payment and booking sessions on it at once.

    All or nothing: if one session cannot be booked, nothing is sold. `paying_online`:
    the customer pays by card now; the checkout's hold (released unpaid after a few
    minutes) stands in for the studio's limits on unpaid passes.
    """
    sessions = locks.sessions(session_ids)
    customer = locks.customer(customer_id)
    product = locks.get(PassProduct, product_id, "No such pass product.")
    if product.archived:
        raise errors.ProductArchived()
    if price is not None and price < 0:
        raise errors.InvalidInput("The price cannot be negative.", field="price")
    p = _issue(customer, product, price if price is not None else product.price, source, actor)
    if payment is not None:
        take_money(p, payment, actor)
    if use_credit:  # as much of the price as the customer's account credit covers
        amount = min(credit.balance(customer), p.price - p.amount_paid)
        if amount > 0:
            spend(customer, p, amount, actor)
    if _self_service(actor) and not paying_online:
        _check_unpaid_cap(customer)
    # Book in start order, so a first-booking pass starts at the earliest session.
    for session in sorted(sessions.values(), key=lambda s: (s.starts_at, s.id)):
        book_locked(customer, session, pass_id=p.id, actor=actor, paying_online=paying_online)
    return p


def _self_service(actor: User | None) -> bool:
    """A customer buying for themselves (portal, API as a customer); staff at the desk
    and jobs (actor None) sell on the studio's behalf."""
    return actor is not None and not actor.is_studio_staff


def _check_unpaid_cap(customer) -> None:
    """Refuse a self-service purchase that would leave the customer owing money on more
    passes than the studio allows. Counted under the customer lock, after the new pass and
    any account credit it used, so two purchases at once cannot both slip under the cap."""
    cap = Business.current().unpaid_passes_per_customer
    if cap is None:
        return
    owing = customer.passes.filter(voided_at__isnull=True).exclude(
        payment_condition(PaymentStatus.PAID)
    )
    if owing.count() > cap:
        raise errors.TooManyUnpaidPasses(
            f"You may owe money on at most {counted(cap, 'pass', 'passes')} at a time; pay "
            "for one (at the desk, or online) before buying another.",
            limit=cap,
        )


def _issue(customer, product: PassProduct, price: Decimal, source: str, actor) -> Pass:
    """Create the pass, its GRANT entry and the purchase notice (the customer is locked)."""
    p = new_pass(customer, product, price, source, actor)
    ledger.open_pass(p, actor=actor, reason="pass issued")
    notifications.pass_purchased(p)
    return p


def new_pass(
    customer,
    product: PassProduct,
    price: Decimal,
    source: str,
    actor,
    days: tuple[date, date] | None = None,
) -> Pass:
    """The pass a sale would issue, not yet saved; `days` (first, last) overrides the
    product's start rule and validity (a subscription period's template)."""
    tz = Business.current().tz
    now = clock.now()
    starts_at = expires_at = None
    if days is not None:
        starts_at, expires_at = start_of_day(days[0], tz), end_of_day(days[1], tz)
    elif product.start_rule == StartRule.FIRST_BOOKING:
        expires_at = end_of_day(product.valid_until, tz) if product.valid_until else None
    else:
        fixed = product.start_rule == StartRule.FIXED_DATE
        first_day = product.start_date if fixed else local_date(now, tz)
        assert first_day is not None, "a fixed-date product has its date (PassProduct.clean)"
        starts_at, expires_at = window(first_day, product.validity, tz)
    return Pass(
        customer=customer,
        product=product,
        name=product.name,
        total=product.credits,
        starts_at=starts_at,
        expires_at=expires_at,
        start_rule=product.start_rule,
        validity_unit=product.validity_unit,
        validity_count=product.validity_count,
        valid_until=product.valid_until,
        priority=product.priority,
        category_ids=sorted(c.id for c in product.categories.all()),
        class_type_ids=sorted(c.id for c in product.class_types.all()),
        restriction_label=_restriction_label(product),
        max_per_day=product.max_per_day,
        max_per_week=product.max_per_week,
        price=price,
        source=source,
        purchased_at=now,
        created_by=actor,
    )


def _restriction_label(product: PassProduct) -> str:
    names = [c.name for c in product.categories.all()] + [c.name for c in product.class_types.all()]
    return " or ".join(names)


def _live_pass(pass_id: int) -> Pass:
    """The pass, locked for an edit; a voided pass cannot be edited."""
    p = locks.pass_for_update(pass_id)
    if p.voided:
        raise errors.PassVoided()
    return p


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise errors.InvalidInput("Give a reason; it is kept in the pass history.", field="reason")
    return reason


def _check_total(p: Pass, total: Decimal) -> None:
    committed = p.held + p.used
    if total < committed:
        raise errors.TotalBelowCommitted(
            f"The total cannot be less than {committed} (booked {p.held} + used {p.used}).",
            minimum=str(committed),
        )


@transaction.atomic
def set_total(
    pass_id: int, total: Decimal | None, *, actor: User | None = None, reason: str = ""
) -> Pass:
    """Set the total credits; 0 or None makes the pass unlimited (Nabooki)."""
    p = _live_pass(pass_id)
    new_total = None if total is None or total == 0 else total
    if new_total is not None:
        if new_total < 0:
            raise errors.InvalidInput("The total cannot be negative.", field="total")
        _check_total(p, new_total)
    ledger.append(p, EntryKind.SET_TOTAL, new_total, actor=actor, reason=reason or "total changed")
    return p


# Priorities stay small numbers: they only order a customer's passes.
PRIORITY_RANGE = range(-100, 101)


@transaction.atomic
def set_priority(pass_id: int, priority: int, *, reason: str, actor: User | None = None) -> Pass:
    """Change which pass pays first (higher first); kept in the pass's history."""
    reason = _require_reason(reason)
    if len(reason) > 200:  # the history line adds the old and new values in front
        raise errors.InvalidInput("Keep the reason to 200 characters.", field="reason")
    if priority not in PRIORITY_RANGE:
        raise errors.InvalidInput("Use a priority from -100 to 100.", field="priority")
    p = _live_pass(pass_id)
    if priority == p.priority:
        raise errors.InvalidInput(f"The priority is already {priority}.", field="priority")
    before, p.priority = p.priority, priority
    p.save(update_fields=["priority"])
    ledger.append(
        p,
        EntryKind.PRIORITY,
        Decimal(priority),
        actor=actor,
        reason=history.priority_reason(before, priority, reason),
    )
    return p


def with_another_priority(product: PassProduct) -> QuerySet[Pass]:
    """The product's live passes (not voided, not expired) whose priority is not the
    product's: sold before its priority changed."""
    live = Pass.objects.filter(product=product, voided_at__isnull=True)
    live = live.filter(Q(expires_at__isnull=True) | Q(expires_at__gte=clock.now()))
    return live.exclude(priority=product.priority)


@transaction.atomic
def apply_product_priority(product_id: int, *, actor: User | None = None) -> int:
    """Give the product's current priority to its live passes that have another; returns
    how many changed."""
    product = locks.get(PassProduct, product_id, "No such pass product.")
    ids = list(with_another_priority(product).values_list("id", flat=True))
    for pass_id in ids:
        set_priority(pass_id, product.priority, reason=f"as {product.name} now", actor=actor)
    return len(ids)


@transaction.atomic
def adjust(pass_id: int, amount: Decimal, *, reason: str, actor: User | None = None) -> Pass:
    """Add (top-up) or remove credits, with a reason kept in the history."""
    p = _live_pass(pass_id)
    reason = _require_reason(reason)
    if amount == 0:
        raise errors.InvalidInput("The amount cannot be zero.", field="amount")
    if p.total is None:
        raise errors.PassUnlimited()
    _check_total(p, p.total + amount)
    ledger.append(p, EntryKind.ADJUST, amount, actor=actor, reason=reason)
    return p


def top_up(
    pass_id: int, amount: Decimal, *, reason: str = "top-up", actor: User | None = None
) -> Pass:
    """Add sessions to a pass (Nabooki's 'manually add sessions')."""
    if amount <= 0:
        raise errors.InvalidInput("A top-up adds a positive number of credits.", field="amount")
    return adjust(pass_id, amount, reason=reason, actor=actor)


@transaction.atomic
def change_validity(
    pass_id: int,
    *,
    starts_on: date | None,
    expires_on: date | None,
    actor: User | None = None,
    reason: str = "",
) -> Pass:
    """Move the start and expiry dates (whole days in the business's zone).

    Extending an expired pass makes its remaining credits usable again.
    """
    errors.check_days(starts_on=starts_on, expires_on=expires_on)
    p = _live_pass(pass_id)
    tz = Business.current().tz
    if starts_on and expires_on and expires_on < starts_on:
        raise errors.InvalidInput("The expiry date is before the start date.", field="expires_on")
    p.starts_at = start_of_day(starts_on, tz) if starts_on else None
    p.expires_at = end_of_day(expires_on, tz) if expires_on else None
    outside = p.bookings.filter(status=Booking.Status.BOOKED)
    if p.starts_at is not None:
        outside_before = outside.filter(session__starts_at__lt=p.starts_at)
    else:
        outside_before = outside.none()
    outside_after = (
        outside.filter(session__starts_at__gt=p.expires_at) if p.expires_at else outside.none()
    )
    if outside_before.exists() or outside_after.exists():
        raise errors.BookingsOutsideValidity()
    ledger.append(p, EntryKind.VALIDITY, actor=actor, reason=reason or "dates changed")
    return p


@transaction.atomic
def void(pass_id: int, *, reason: str, actor: User | None = None) -> Pass:
    """Void a pass: its booked sessions are cancelled and their credits released."""
    reason = _require_reason(reason)
    found = locks.get(Pass, pass_id, "No such pass.")
    booked = Booking.objects.filter(customer_pass=found, status=Booking.Status.BOOKED)
    sessions = locks.sessions(booked.values_list("session_id", flat=True))
    locks.waiting_customers(sessions, also=[found.customer_id])
    waitlists.release_on_passes([pass_id], "pass voided", actor)  # its waits stay listed
    p = _live_pass(pass_id)  # read after the releases, which change its counters
    now = clock.now()
    # Re-read under the customer lock: releases only shrink sessions, so a booking
    # made between the two reads is safe to cancel even without its session lock.
    for booking in booked.all():
        booking.customer_pass = p  # the locked, up-to-date row
        cancel_and_release(booking, actor, "pass voided")
    p.voided_at = now
    ledger.append(p, EntryKind.VOID, actor=actor, reason=reason)
    for session in sessions.values():
        waitlists.promote_next(session, actor=actor)
    return p


@transaction.atomic
def add_session(
    pass_id: int,
    *,
    on: date,
    at: time,
    class_type_id: int,
    staff_id: int | None = None,
    resource_id: int | None = None,
    actor: User | None = None,
) -> Booking:
    """Nabooki's 'Add Session': create a private appointment (capacity 1, not on the public
    timetable) and book it on this pass."""
    errors.check_days(on=on)
    class_type = locks.get(ClassType, class_type_id, "No such class type.")
    tz = Business.current().tz
    starts_at = datetime.combine(on, at, tzinfo=tz)
    session = create_session_locked(
        SessionInput(
            class_type=class_type,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=class_type.duration_minutes),
            staff_id=staff_id,
            resource_id=resource_id,
            capacity=1,
            private=True,
        )
    )
    p = _live_pass(pass_id)
    return book_locked(p.customer, session, pass_id=pass_id, actor=actor)


def issue_paid_by_voucher(customer, product: PassProduct, actor: User | None = None) -> Pass:
    """A pass bought with a gift voucher: issued at list price, paid by the voucher.
    Inside the caller's transaction, with the customer locked."""
    p = _issue(customer, product, product.price, Pass.Source.VOUCHER, actor)
    if product.price > 0:
        add_payment(p, PaymentInput(product.price, "voucher", note="gift voucher"), actor)
    return p
