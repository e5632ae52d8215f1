"""Gift vouchers: random codes worth an amount (account credit) or a specific pass."""

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from passbook import clock
from passbook.models import Business, Customer, GiftVoucher, PassProduct, User, VoucherAttempt
from passbook.rules.calendar import local_date
from passbook.services import credit, durable, errors, locks
from passbook.services.passes import issue_paid_by_voucher
from passbook.services.payments import PaymentInput, add_voucher_payment

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
MAX_FAILURES, WINDOW = 5, timedelta(minutes=15)


def new_code() -> str:
    """12 random characters (about 2^60 possibilities), shown as XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())[:12]
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@transaction.atomic
def create(
    *,
    value: Decimal | None = None,
    product_id: int | None = None,
    expires_on: date,
    note: str = "",
    actor: User | None = None,
    **sale,
) -> GiftVoucher:
    """A voucher given away by staff (`sale` is empty) or sold (see `sell`)."""
    if (value is None) == (product_id is None):
        raise errors.InvalidInput(
            "A voucher is worth an amount or a pass, not both.", field="value"
        )
    if value is not None and value <= 0:
        raise errors.InvalidInput("The value must be more than zero.", field="value")
    errors.check_days(expires_on=expires_on)
    product = locks.get(PassProduct, product_id, "No such pass product.") if product_id else None
    return GiftVoucher.objects.create(
        code=new_code(),
        value=value,
        product=product,
        expires_on=expires_on,
        note=note,
        created_at=clock.now(),
        created_by=actor,
        **sale,
    )


@transaction.atomic
def sell(
    buyer_id: int,
    *,
    payment: PaymentInput,
    value: Decimal | None = None,
    product_id: int | None = None,
    expires_on: date,
    note: str = "",
    actor: User | None = None,
) -> GiftVoucher:
    """Sell a voucher: the buyer pays its price (the value, or the pass's list price) in
    full, and voucher and payment are recorded together or not at all. The money is a
    liability until the voucher is redeemed (see reports.liability)."""
    buyer = locks.customer(buyer_id)
    voucher = create(
        value=value,
        product_id=product_id,
        expires_on=expires_on,
        note=note,
        actor=actor,
        sold_to=buyer,
    )
    product = voucher.product
    voucher.price = value if product is None else product.price
    if payment.amount != voucher.price:
        raise errors.InvalidInput(f"A voucher is paid in full: {voucher.price}.", field="amount")
    voucher.save(update_fields=["price"])
    add_voucher_payment(voucher, payment, actor)
    return voucher


def redeem(code: str, customer_id: int, *, who: str, actor: User | None = None):
    """Redeem for a customer. `who` names the caller (user or address) for throttling;
    a wrong code counts against it, and five in 15 minutes block further tries."""
    since = clock.now() - WINDOW
    if VoucherAttempt.objects.filter(who=who, at__gte=since).count() >= MAX_FAILURES:
        raise errors.TooManyAttempts()
    try:
        return _redeem(normalise(code), customer_id, actor)
    except errors.InvalidVoucher:
        at = clock.now()
        durable.record(lambda: VoucherAttempt.objects.create(who=who, at=at))
        raise


@transaction.atomic
def _redeem(code: str, customer_id: int, actor: User | None):
    voucher = locks.voucher(code)
    if voucher is None:
        raise errors.InvalidVoucher()
    if voucher.redeemed_at is not None:
        raise errors.InvalidVoucher("This voucher has already been used.")
    if voucher.voided_at is not None:  # its money was given back
        raise errors.InvalidVoucher("This voucher was cancelled.")
    if voucher.expires_on < local_date(clock.now(), Business.current().tz):
        raise errors.InvalidVoucher(f"This voucher expired on {voucher.expires_on:%d %B %Y}.")
    customer: Customer = locks.customer(customer_id)
    if voucher.value is not None:
        result: object = credit.add(customer, voucher.value, f"gift voucher {code}", actor)
    else:
        assert voucher.product is not None, "worth an amount or a pass (voucher_value_xor_product)"
        result = issue_paid_by_voucher(customer, voucher.product, actor)
    voucher.redeemed_by, voucher.redeemed_at = customer, clock.now()
    voucher.save(update_fields=["redeemed_by", "redeemed_at"])
    return result
