from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from passbook.models.fields import CreditField, MoneyField
from passbook.rules.calendar import Validity, ValidityUnit, supported


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ClassType(models.Model):
    """What is taught (a 'service'): the defaults its sessions start from."""

    name = models.CharField(max_length=100, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="class_types")
    duration_minutes = models.PositiveIntegerField(default=60, validators=[MinValueValidator(1)])
    capacity = models.PositiveIntegerField(default=12, validators=[MinValueValidator(1)])
    credit_cost = CreditField(default=Decimal("1.00"), validators=[MinValueValidator(0)])
    drop_in_price = MoneyField(validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """A room or piece of equipment; never in two sessions at once."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StartRule(models.TextChoices):
    PURCHASE = "purchase", "On purchase"
    FIRST_BOOKING = "first_booking", "On first booking"
    FIXED_DATE = "fixed_date", "On a fixed date"


class PassProduct(models.Model):
    """What is sold. Passes snapshot these rules when bought."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    price = MoneyField(validators=[MinValueValidator(0)])
    credits = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Empty = unlimited.",
    )
    validity_unit = models.CharField(
        max_length=10, blank=True, choices=[(u.value, u.value) for u in ValidityUnit]
    )
    validity_count = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    valid_until = models.DateField(null=True, blank=True, help_text="A fixed last day.")
    start_rule = models.CharField(
        max_length=16, choices=StartRule.choices, default=StartRule.PURCHASE
    )
    start_date = models.DateField(null=True, blank=True, help_text="For a fixed-date start.")
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    class_types = models.ManyToManyField(ClassType, blank=True, related_name="+")
    priority = models.IntegerField(default=0, help_text="Higher is spent first.")
    max_per_day = models.PositiveIntegerField(null=True, blank=True)
    max_per_week = models.PositiveIntegerField(null=True, blank=True)
    online_purchasable = models.BooleanField(default=True)
    archived = models.BooleanField(default=False)
    # Set when the record came from another system (`passbook import`): the id it had
    # there, and the import that created it.
    external_id = models.CharField(max_length=100, blank=True, default="")
    import_batch = models.ForeignKey(
        "passbook.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="product_external_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(credits__isnull=True) | models.Q(credits__gt=0),
                name="product_credits_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def unlimited(self) -> bool:
        return self.credits is None

    @property
    def validity(self) -> Validity:
        unit = ValidityUnit(self.validity_unit) if self.validity_unit else None
        return Validity(unit, self.validity_count, self.valid_until)

    def clean(self) -> None:
        errors = {}
        if bool(self.validity_unit) != bool(self.validity_count):
            errors["validity_count"] = "Give both a number and a unit, or neither."
        if self.validity_unit and self.valid_until:
            errors["valid_until"] = "Choose a duration or a fixed last day, not both."
        if self.start_rule == StartRule.FIXED_DATE and not self.start_date:
            errors["start_date"] = "A fixed-date start needs its date."
        for field in ("valid_until", "start_date"):
            day = getattr(self, field)
            if day is not None and not supported(day):
                errors[field] = "Use a date between 2000 and 2099."
        if self.start_date and self.valid_until and self.valid_until < self.start_date:
            errors["valid_until"] = "The last day is before the start date."
        if errors:
            raise ValidationError(errors)
