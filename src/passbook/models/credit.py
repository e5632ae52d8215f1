from django.conf import settings
from django.db import models

from passbook.models.billing import Payment
from passbook.models.catalog import PassProduct
from passbook.models.fields import MoneyField
from passbook.models.people import Customer


class CreditNote(models.Model):
    """Account credit: positive when issued, negative when spent. The balance is the sum,
    and the services never let it go below zero (checked under the customer's lock)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_notes")
    amount = MoneyField()
    reason = models.CharField(max_length=300)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.amount} for {self.customer}"


class GiftVoucher(models.Model):
    """A random code worth an amount (becomes account credit) or a specific pass."""

    code = models.CharField(max_length=20, unique=True)
    value = MoneyField(null=True, blank=True, default=None)
    product = models.ForeignKey(
        PassProduct, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    # A sold voucher records its buyer and price (the payment points here); a voucher
    # given away by staff has neither.
    sold_to = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    price = MoneyField(null=True, blank=True, default=None)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redeemed_by = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    # Cancelled: its money was refunded (a voucher bought online), so it redeems nothing.
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) ^ models.Q(product__isnull=True),
                name="voucher_value_xor_product",
            )
        ]

    def __str__(self) -> str:
        return f"voucher {self.code[:4]}…"


class VoucherAttempt(models.Model):
    """A failed redemption, to throttle guessing (shared by all workers)."""

    who = models.CharField(max_length=80)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["who", "at"])]

    def __str__(self) -> str:
        return f"failed voucher attempt by {self.who}"
