"""Online card payments through Stripe: one checkout per pass sold online, the refunds
staff asked Stripe for, and every webhook event received (each is processed once)."""

from django.conf import settings
from django.db import models

from passbook.models.fields import MoneyField
from passbook.models.passes import Pass


class CardPayment(models.Model):
    """A payment by card in the portal: its PaymentIntent at Stripe and how it stands.
    Paid only when Stripe's webhook says the PaymentIntent succeeded."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for payment"
        PAID = "paid", "Paid"
        FAILED = "failed", "Payment failed"

    intent_id = models.CharField(max_length=100, blank=True, default="")
    client_secret = models.CharField(max_length=200, blank=True, default="")
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failure = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        abstract = True


class OnlineCheckout(CardPayment):
    """A pass bought in the portal and paid by card (once paid: a Payment row, method
    online, reference the intent)."""

    customer_pass = models.OneToOneField(Pass, on_delete=models.PROTECT, related_name="checkout")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["intent_id"],
                condition=~models.Q(intent_id=""),
                name="checkout_intent_unique",
            )
        ]

    def __str__(self) -> str:
        return f"checkout of pass {self.customer_pass_id}: {self.status}"


class GiftPurchase(CardPayment):
    """A gift voucher bought in the portal and paid by card. Its voucher (and so its code)
    exists only once Stripe's webhook says the PaymentIntent succeeded."""

    buyer = models.ForeignKey(
        "passbook.Customer", on_delete=models.PROTECT, related_name="gift_purchases"
    )
    recipient_name = models.CharField(max_length=100)
    recipient_email = models.EmailField()
    voucher = models.OneToOneField(
        "passbook.GiftVoucher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="purchase",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["intent_id"],
                condition=~models.Q(intent_id=""),
                name="gift_purchase_intent_unique",
            )
        ]

    def __str__(self) -> str:
        return f"gift voucher bought by customer {self.buyer_id}: {self.status}"


class OnlineRefund(models.Model):
    """Money staff asked Stripe to give back; recorded as a (negative) Payment only when
    the webhook confirms it. It refunds one of: a pass's card checkout, a renewal charged
    to a card on file, or a gift voucher bought online."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SUCCEEDED = "succeeded", "Refunded"
        FAILED = "failed", "Refund failed"

    checkout = models.ForeignKey(
        OnlineCheckout, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    renewal_charge = models.ForeignKey(
        "passbook.RenewalCharge",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    gift = models.ForeignKey(
        GiftPurchase, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = MoneyField()
    refund_id = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(checkout__isnull=False, renewal_charge=None, gift=None)
                    | models.Q(checkout=None, renewal_charge__isnull=False, gift=None)
                    | models.Q(checkout=None, renewal_charge=None, gift__isnull=False)
                ),
                name="online_refund_of_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"refund of {self.amount}: {self.status}"

    @property
    def paid(self) -> "OnlineCheckout | RenewalCharge | GiftPurchase":
        """What the refunded PaymentIntent paid for (each has `intent_id` and `currency`)."""
        found = self.checkout or self.renewal_charge or self.gift
        assert found is not None, "one of them (online_refund_of_one_thing)"
        return found


class StripeEvent(models.Model):
    """A webhook event, stored in the same transaction as its effect: its id is unique,
    so an event delivered again (or ten times at once) has its effect once."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True, default="")
    outcome = models.CharField(max_length=300)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}: {self.outcome}"


class CardOnFile(models.Model):
    """The card a customer saved for renewals (through a SetupIntent): Stripe's ids, and
    what the customer recognises it by. Card data itself never reaches us."""

    customer = models.OneToOneField(
        "passbook.Customer", on_delete=models.PROTECT, related_name="card_on_file"
    )
    stripe_customer_id = models.CharField(max_length=100, blank=True, default="")
    setup_intent_id = models.CharField(
        max_length=100, blank=True, default="", help_text="The latest card setup started."
    )
    setup_secret = models.CharField(max_length=200, blank=True, default="")
    payment_method_id = models.CharField(max_length=100, blank=True, default="")
    brand = models.CharField(max_length=20, blank=True, default="")
    last4 = models.CharField(max_length=4, blank=True, default="")
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.brand} ending {self.last4}" if self.saved else "no card yet"

    @property
    def saved(self) -> bool:
        return bool(self.payment_method_id)


class RenewalCharge(models.Model):
    """Charging a renewal's pass to the card on file, off-session: one per renewal (so per
    subscription and period), whatever runs the job and however often. Each attempt has its
    own idempotency key; the pass becomes paid only on the `payment_intent.succeeded`
    webhook."""

    class Status(models.TextChoices):
        PENDING = "pending", "Charging"
        SUCCEEDED = "succeeded", "Paid"
        FAILED = "failed", "Declined, will retry"
        PAST_DUE = "past_due", "Past due"
        NOT_NEEDED = "not_needed", "Paid otherwise"

    renewal = models.OneToOneField(
        "passbook.Renewal", on_delete=models.PROTECT, related_name="charge"
    )
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    intent_id = models.CharField(max_length=100, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["intent_id"],
                condition=~models.Q(intent_id=""),
                name="renewal_charge_intent_unique",
            )
        ]

    def __str__(self) -> str:
        return f"charge of renewal {self.renewal_id}: {self.status}"
