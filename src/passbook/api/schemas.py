"""Request and response shapes. Credits and money travel as decimal strings ("1.00")."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, PlainSerializer, create_model

from passbook import clock
from passbook.models import Booking, Pass, Payment
from passbook.rules.money import payment_status
from passbook.rules.status import pass_status
from passbook.services.facts import pass_facts

Decimal2 = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
CreditsIn = Annotated[Decimal, Field(ge=0, max_digits=8, decimal_places=2)]
MoneyIn = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Problem(Schema):
    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[dict[str, Any]] | None = None


class Money(Schema):
    amount: Decimal2
    currency: str


def money(amount: Decimal, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


def page_of(item: type[Schema]) -> type[Schema]:
    return create_model(
        f"{item.__name__}Page",
        __base__=Schema,
        count=(int, ...),
        page=(int, ...),
        page_size=(int, ...),
        results=(list[item], ...),
    )


# Catalog -----------------------------------------------------------------------------------


class CategoryIn(Schema):
    name: Name


class CategoryOut(CategoryIn):
    id: int


class ClassTypeIn(Schema):
    name: Name
    category_id: Id
    duration_minutes: int = Field(60, ge=1, le=24 * 60)
    capacity: int = Field(12, ge=1, le=10_000)
    credit_cost: CreditsIn = Decimal("1.00")
    drop_in_price: MoneyIn = Decimal("0.00")


class ClassTypeOut(Schema):
    id: int
    name: str
    category_id: int
    duration_minutes: int
    capacity: int
    credit_cost: Decimal2
    drop_in_price: Decimal2


class StaffIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: str = Field("", max_length=254)
    active: bool = True


class StaffOut(StaffIn):
    id: int


class ResourceIn(Schema):
    name: Name


class ResourceOut(ResourceIn):
    id: int


class ProductIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: str = Field("", max_length=5000)
    price: MoneyIn
    credits: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=2)] | None = None
    validity_unit: Literal["", "days", "weeks", "months"] = ""
    validity_count: int | None = Field(None, ge=1, le=1000)
    valid_until: date | None = None
    start_rule: Literal["purchase", "first_booking", "fixed_date"] = "purchase"
    start_date: date | None = None
    category_ids: list[Id] = []
    class_type_ids: list[Id] = []
    priority: int = Field(0, ge=-1000, le=1000)
    max_per_day: int | None = Field(None, ge=1, le=100)
    max_per_week: int | None = Field(None, ge=1, le=700)
    online_purchasable: bool = True


class ProductOut(Schema):
    id: int
    name: str
    description: str
    price: Money
    credits: Decimal2 | None
    validity_unit: str
    validity_count: int | None
    valid_until: date | None
    start_rule: str
    start_date: date | None
    category_ids: list[int]
    class_type_ids: list[int]
    priority: int
    max_per_day: int | None
    max_per_week: int | None
    online_purchasable: bool
    archived: bool


# Schedule ----------------------------------------------------------------------------------


class Repeat(Schema):
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        ..., min_length=1, description="0 = Monday"
    )
    until: date


class SessionIn(Schema):
    class_type_id: Id
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    staff_id: Id | None = None
    resource_id: Id | None = None
    capacity: int | None = Field(None, ge=1, le=10_000)
    credit_cost: CreditsIn | None = None
    repeat: Repeat | None = Field(None, description="Weekly recurrence; omit for a one-off")


class SessionOut(Schema):
    id: int
    class_type_id: int
    class_type: str = Field(..., alias="class_type.name")
    category_id: int = Field(..., alias="class_type.category_id")
    starts_at: AwareDatetime
    ends_at: datetime
    staff_id: int | None
    resource_id: int | None
    capacity: int
    booked: int
    places_left: int
    credit_cost: Decimal2
    status: str


class CancelIn(Schema):
    reason: str = Field("", max_length=300)


# Customers ---------------------------------------------------------------------------------


class CustomerIn(Schema):
    first_name: Name
    last_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    notes: str = Field("", max_length=5000)


class CustomerOut(CustomerIn):
    id: int
    created_at: datetime


class VerdictOut(Schema):
    pass_id: int
    pass_name: str
    code: str
    message: str
    chosen: bool


# Passes ------------------------------------------------------------------------------------


class PassOut(Schema):
    id: int
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    product_id: int
    name: str
    total: Decimal2 | None
    held: Decimal2
    used: Decimal2
    remaining: Decimal2 | None
    unlimited: bool
    status: str
    starts_at: datetime | None
    expires_at: datetime | None
    purchased_at: datetime
    price: Money
    paid: Money
    payment_status: str
    priority: int
    source: str

    @staticmethod
    def resolve_status(obj: Pass) -> str:
        return pass_status(pass_facts(obj), clock.now()).value

    @staticmethod
    def resolve_payment_status(obj: Pass) -> str:
        return payment_status(obj.price, obj.amount_paid).value

    @staticmethod
    def resolve_price(obj: Pass, context) -> dict:
        return money(obj.price, context["request"].currency)

    @staticmethod
    def resolve_paid(obj: Pass, context) -> dict:
        return money(obj.amount_paid, context["request"].currency)


class EntryOut(Schema):
    id: int
    kind: str
    amount: Decimal2 | None
    booking_id: int | None
    actor: str | None
    reason: str
    starts_at: datetime | None
    expires_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None


class PaymentIn(Schema):
    amount: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    method: Literal[tuple(Payment.Method.values)]  # type: ignore[valid-type]
    received_at: AwareDatetime | None = None
    reference: str = Field("", max_length=200)
    note: str = Field("", max_length=300)


class PaymentOut(Schema):
    id: int
    customer_id: int
    pass_id: int | None = Field(..., alias="customer_pass_id")
    booking_id: int | None
    amount: Money
    method: str
    received_at: datetime
    reference: str
    note: str
    recorded_by: str | None

    @staticmethod
    def resolve_amount(obj: Payment, context) -> dict:
        return money(obj.amount, context["request"].currency)

    @staticmethod
    def resolve_recorded_by(obj: Payment) -> str | None:
        return obj.recorded_by.username if obj.recorded_by_id else None


class PurchaseIn(Schema):
    customer_id: Id
    product_id: Id
    price: MoneyIn | None = Field(None, description="Staff (manager+) may override the price")
    payment: PaymentIn | None = None
    session_ids: list[Id] = Field([], max_length=100)


class TotalIn(Schema):
    total: CreditsIn | None = Field(..., description="0 or null = unlimited")
    reason: str = Field("", max_length=300)


class ValidityIn(Schema):
    starts_on: date | None
    expires_on: date | None
    reason: str = Field("", max_length=300)


class TopUpIn(Schema):
    amount: Annotated[Decimal, Field(gt=0, max_digits=8, decimal_places=2)]
    reason: str = Field("top-up", min_length=1, max_length=300)


class AdjustIn(Schema):
    amount: Annotated[Decimal, Field(max_digits=8, decimal_places=2)]
    reason: str = Field(..., min_length=1, max_length=300)


class VoidIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class AddSessionIn(Schema):
    on: date
    at: time
    class_type_id: Id
    staff_id: Id | None = None
    resource_id: Id | None = None


# Bookings ----------------------------------------------------------------------------------


class BookingIn(Schema):
    customer_id: Id
    session_id: Id
    pass_id: Id | None = Field(None, description="Staff may name the pass; default: spend rule")
    paid_by: Literal[tuple(Booking.PaidBy.values)] = "pass"  # type: ignore[valid-type]


class BookingCancelIn(Schema):
    waive_late_policy: bool = Field(False, description="Staff only")


class BookingOut(Schema):
    id: int
    customer_id: int
    session_id: int
    session_starts_at: datetime = Field(..., alias="session.starts_at")
    status: str
    paid_by: str
    pass_id: int | None = Field(..., alias="customer_pass_id")
    credits: Decimal2 | None
    price: Money
    cost: str = Field(..., alias="cost_label")
    created_at: datetime
    checked_in_at: datetime | None
    cancelled_at: datetime | None

    @staticmethod
    def resolve_price(obj: Booking, context) -> dict:
        return money(obj.price, context["request"].currency)
