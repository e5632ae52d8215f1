from django.conf import settings
from django.db import models
from django.db.models import Q

from passbook.models.bookings import Booking
from passbook.models.fields import MoneyField
from passbook.models.passes import Pass
from passbook.models.people import Customer


class Payment(models.Model):
    """Money received (positive) or refunded (negative) for one thing: a pass, a drop-in
    booking or a gift voucher sold; or, for none of them, money put on the customer's
    account credit (its credit note points back to it), such as paying over a price."""

    class Method(models.TextChoices):
        CASH = "cash", "Cash"
        CARD = "card", "Card"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        ONLINE = "online", "Online"
        VOUCHER = "voucher", "Voucher"
        ACCOUNT_CREDIT = "account_credit", "Account credit"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    customer_pass = models.ForeignKey(
        Pass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    voucher = models.ForeignKey(
        "passbook.GiftVoucher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = MoneyField()
    method = models.CharField(max_length=16, choices=Method.choices)
    received_at = models.DateTimeField()
    reference = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(booking_id=None, voucher_id=None)
                    | Q(customer_pass_id=None, voucher_id=None)
                    | Q(customer_pass_id=None, booking_id=None)
                ),
                name="payment_for_one_thing_at_most",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="payment_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.method}"

    @property
    def is_refund(self) -> bool:
        return self.amount < 0
