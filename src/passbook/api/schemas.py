"""Request and response shapes. Credits and money travel as decimal strings ("1.00").

Inputs are strict where JSON has a type (no 0 for false, no "5" for 5).
"""

import copy
import re
from datetime import date, datetime, time
from decimal import Decimal
from types import GenericAlias
from typing import Annotated, Any, Literal, TypeAlias

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AwareDatetime,
    BeforeValidator,
    PlainSerializer,
    StrictBool,
    WithJsonSchema,
    create_model,
    model_validator,
)

from passbook import clock
from passbook.models import Booking, GiftVoucher, Pass, Payment, Plan
from passbook.rules.money import payment_status
from passbook.rules.status import pass_status
from passbook.services.facts import pass_facts
from passbook.services.payments import PaymentInput


def _iso(pattern: str, form: str) -> BeforeValidator:
    """Accept only the documented text form (pydantic would also take 0 as 1 Jan 1970)."""
    shape = re.compile(pattern)

    def check(value):
        if isinstance(value, str) and shape.match(value):
            return value
        if isinstance(value, date | time) and not isinstance(value, str):
            return value
        raise ValueError(f"use {form}")

    return BeforeValidator(check)


# Dates outside 2000-2099 are well-formed: the services refuse them (409 invalid_input).
Day = Annotated[date, _iso(r"^\d{4}-\d{2}-\d{2}$", "YYYY-MM-DD")]
Moment = Annotated[
    AwareDatetime,
    _iso(
        r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}",
        "ISO 8601 with an offset, e.g. 2026-07-01T18:00:00+10:00",
    ),
]
ClockTime = Annotated[time, _iso(r"^\d{2}:\d{2}", "HH:MM or HH:MM:SS")]
Decimal2 = Annotated[Decimal, PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]


def _decimal_text(pattern: str, example: str) -> tuple[BeforeValidator, WithJsonSchema]:
    """A decimal sent as a string matching `pattern` (documented in the OpenAPI schema)."""
    shape = re.compile(pattern)

    def check(value):
        if isinstance(value, Decimal) or (isinstance(value, str) and shape.match(value)):
            return value
        raise ValueError(f"use a decimal string like {example!r}")

    return (
        BeforeValidator(check),
        WithJsonSchema({"type": "string", "pattern": pattern, "examples": [example]}),
    )


def _json_int(value):
    """JSON integers: 5 and 5.0, not "5" or true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("use a whole number")
    return value


CreditsIn = Annotated[Decimal, *_decimal_text(r"^\d{1,6}(\.\d{1,2})?$", "1.00")]
SignedCreditsIn = Annotated[Decimal, *_decimal_text(r"^-?\d{1,6}(\.\d{1,2})?$", "-1.00")]
MoneyIn = Annotated[Decimal, *_decimal_text(r"^\d{1,10}(\.\d{1,2})?$", "200.00")]


def whole(low: int, high: int) -> tuple[Any, BeforeValidator]:
    """The metadata of a JSON integer in [low, high]: `Annotated[int, *whole(low, high)]`."""
    return Field(ge=low, le=high), BeforeValidator(_json_int)


NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot store NUL; the schema says so up front
Name = Annotated[str, Field(pattern=NO_NUL, min_length=1, max_length=100)]
Reason = Annotated[str, Field(pattern=NO_NUL, min_length=1, max_length=300)]
Id: TypeAlias = Annotated[int, *whole(1, 2**63 - 1)]
QueryId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # query and path text


class Body(Schema):
    """A request body: a JSON object (ninja's Schema would read a list as an empty object)."""

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps it first
        if not isinstance(raw, dict | Schema):
            raise ValueError("expected a JSON object")
        return data


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


def list_of(item: type[Schema]) -> Any:
    """`list[item]` for a schema class known only at run time (mypy reads `list[x]` as a type)."""
    return GenericAlias(list, (item,))


def partial(schema: type[Schema]) -> type[Body]:
    """The same fields, all optional, for PATCH: only the fields sent are changed."""
    fields: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        optional = copy.copy(info)
        optional.default = None
        fields[name] = (info.annotation, optional)  # omitted is fine; null only if allowed
    return create_model(f"{schema.__name__}Patch", __base__=Body, **fields)


def page_of(item: type[Schema]) -> type[Schema]:
    return create_model(
        f"{item.__name__}Page",
        __base__=Schema,
        count=(int, ...),
        page=(int, ...),
        page_size=(int, ...),
        results=(list_of(item), ...),
    )


# Catalog -----------------------------------------------------------------------------------


class CategoryFields(Schema):
    name: Name


class CategoryIn(Body, CategoryFields):
    pass


class CategoryOut(CategoryFields):
    id: int


class ClassTypeIn(Body):
    name: Name
    category_id: Id
    duration_minutes: Annotated[int, *whole(1, 24 * 60)] = 60
    capacity: Annotated[int, *whole(1, 10_000)] = 12
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


class StaffFields(Schema):
    name: Annotated[str, Field(pattern=NO_NUL, min_length=1, max_length=200)]
    email: str = Field("", pattern=NO_NUL, max_length=254)
    active: StrictBool = True


class StaffIn(Body, StaffFields):
    pass


class StaffOut(StaffFields):
    id: int


class ResourceFields(Schema):
    name: Name


class ResourceIn(Body, ResourceFields):
    pass


class ResourceOut(ResourceFields):
    id: int


class ProductIn(Body):
    name: Annotated[str, Field(pattern=NO_NUL, min_length=1, max_length=120)]
    description: str = Field("", pattern=NO_NUL, max_length=5000)
    price: MoneyIn
    credits: CreditsIn | None = Field(None, description="empty = unlimited")
    validity_unit: Literal["", "days", "weeks", "months"] = ""
    validity_count: Annotated[int, *whole(1, 1000)] | None = None
    valid_until: Day | None = None
    start_rule: Literal["purchase", "first_booking", "fixed_date"] = "purchase"
    start_date: Day | None = None
    category_ids: list[Id] = []
    class_type_ids: list[Id] = []
    priority: Annotated[int, *whole(-1000, 1000)] = 0
    max_per_day: Annotated[int, *whole(1, 100)] | None = None
    max_per_week: Annotated[int, *whole(1, 700)] | None = None
    online_purchasable: StrictBool = True


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


class Repeat(Body):
    weekdays: list[Annotated[int, *whole(0, 6)]] = Field(
        ..., min_length=1, description="0 = Monday"
    )
    until: Day


class SessionIn(Body):
    class_type_id: Id
    starts_at: Moment
    ends_at: Moment | None = None
    staff_id: Id | None = None
    resource_id: Id | None = None
    capacity: Annotated[int, *whole(1, 10_000)] | None = None
    credit_cost: CreditsIn | None = None
    repeat: Repeat | None = Field(None, description="Weekly recurrence; omit for a one-off")
    waitlist_capacity: Annotated[int, *whole(0, 1000)] | None = Field(
        None, description="How many may wait when it is full; default: the studio's setting"
    )


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
    private: bool  # an appointment made for one customer (Add Session)
    waitlist_capacity: int | None = Field(..., description="empty: the studio's default")


class CancelIn(Body):
    reason: str = Field("", pattern=NO_NUL, max_length=300)


class SessionPlacesIn(Body):
    """A session's places; as PATCH (partial()), only the fields sent change."""

    capacity: Annotated[int, *whole(1, 10_000)] = Field(
        ..., description="Not below the live bookings; new places go to the waitlist at once"
    )
    waitlist_capacity: Annotated[int, *whole(0, 1000)] | None = Field(
        None, description="How many may wait when it is full; null: the studio's setting"
    )


# Customers ---------------------------------------------------------------------------------


class CustomerFields(Schema):
    first_name: Name
    last_name: str = Field("", pattern=NO_NUL, max_length=100)
    email: str = Field("", pattern=NO_NUL, max_length=254)
    phone: str = Field("", pattern=NO_NUL, max_length=40)
    notes: str = Field("", pattern=NO_NUL, max_length=5000)


class CustomerIn(Body, CustomerFields):
    pass


class NewCustomerIn(CustomerIn):
    # A customer with the same email or phone is refused (possible_duplicate) unless this
    # says it is another person.
    even_if_on_file: StrictBool = False


class CustomerOut(CustomerFields):
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


class PaymentIn(Body):
    amount: MoneyIn
    method: Literal[tuple(Payment.Method.values)]  # type: ignore[valid-type]  # a run-time Literal
    received_at: Moment | None = None
    reference: str = Field("", pattern=NO_NUL, max_length=200)
    note: str = Field("", pattern=NO_NUL, max_length=300)


class PassPaymentIn(PaymentIn):
    excess_to_credit: StrictBool = Field(
        False,
        description="More than is owed is refused (409 more_than_owed) unless this is true:"
        " then the pass (or drop-in) is paid in full and the rest goes on the customer's"
        " account credit.",
    )

    def money(self) -> PaymentInput:
        """The money itself, for the services (the excess choice is their own argument)."""
        return PaymentInput(**self.dict(exclude={"excess_to_credit"}))


class PaymentOut(Schema):
    id: int
    customer_id: int
    pass_id: int | None = Field(..., alias="customer_pass_id")
    booking_id: int | None
    voucher_id: int | None
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
        return obj.recorded_by.username if obj.recorded_by else None


class PurchaseIn(Body):
    customer_id: Id
    product_id: Id
    price: MoneyIn | None = Field(None, description="Staff (manager+) may override the price")
    payment: PaymentIn | None = None
    session_ids: list[Id] = Field([], max_length=100)


class TotalIn(Body):
    total: CreditsIn | None = Field(..., description="0 or null = unlimited")
    reason: str = Field("", pattern=NO_NUL, max_length=300)


class ValidityIn(Body):
    starts_on: Day | None
    expires_on: Day | None
    reason: str = Field("", pattern=NO_NUL, max_length=300)


class TopUpIn(Body):
    amount: CreditsIn
    reason: str = Field("top-up", pattern=NO_NUL, min_length=1, max_length=300)


class PriorityIn(Body):
    """`priority`: higher pays first, before the business's spend order (-100 to 100)."""

    priority: Annotated[int, *whole(-100, 100)]
    reason: Annotated[str, Field(pattern=NO_NUL, min_length=1, max_length=200)]


class AdjustIn(Body):
    amount: SignedCreditsIn
    reason: Reason


class VoidIn(Body):
    reason: Reason


class AddSessionIn(Body):
    on: Day
    at: ClockTime
    class_type_id: Id
    staff_id: Id | None = None
    resource_id: Id | None = None


# Bookings ----------------------------------------------------------------------------------


class BookingIn(Body):
    customer_id: Id
    session_id: Id
    pass_id: Id | None = Field(None, description="Staff may name the pass; default: spend rule")
    paid_by: Literal[  # type: ignore[valid-type]  # a run-time Literal
        tuple(Booking.PaidBy.values)
    ] = "pass"


class BookingCancelIn(Body):
    waive_late_policy: StrictBool = Field(False, description="Staff only")


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


# Subscriptions, vouchers, account credit, freezes, reports ---------------------------------

Note = Annotated[str, Field(pattern=NO_NUL, max_length=300)]


def _money_or_none(amount: Decimal | None, context) -> dict | None:
    return None if amount is None else money(amount, context["request"].currency)


class PlanIn(Body):
    name: Name
    product_id: Id
    interval: Literal[tuple(Plan.Interval.values)]  # type: ignore[valid-type]  # a run-time Literal
    price: MoneyIn
    active: StrictBool = True


class PlanOut(Schema):
    id: int
    name: str
    product_id: int
    interval: str
    price: Money
    active: bool

    @staticmethod
    def resolve_price(obj: Plan, context) -> dict:
        return money(obj.price, context["request"].currency)


class SubscriptionIn(Body):
    customer_id: Id
    plan_id: Id
    starts_on: Day | None = Field(None, description="default: today")


class SubscriptionOut(Schema):
    id: int
    customer_id: int
    plan_id: int
    status: str
    anchor: date
    period_start: date
    period_end: date = Field(..., description="first day after the current period")
    cancel_at_period_end: bool


class VoucherIn(Body):
    value: MoneyIn | None = Field(None, description="an amount of account credit …")
    product_id: Id | None = Field(None, description="… or a pass (exactly one of the two)")
    expires_on: Day
    note: Note = ""


class VoucherSaleIn(VoucherIn):
    buyer_id: Id
    payment: PaymentIn = Field(..., description="the full price, in money")


class VoucherOut(Schema):
    id: int
    code: str
    value: Money | None
    product_id: int | None
    expires_on: date
    note: str
    sold_to_id: int | None
    price: Money | None
    redeemed_by_id: int | None
    redeemed_at: datetime | None

    @staticmethod
    def resolve_value(obj: GiftVoucher, context) -> dict | None:
        return _money_or_none(obj.value, context)

    @staticmethod
    def resolve_price(obj: GiftVoucher, context) -> dict | None:
        return _money_or_none(obj.price, context)


class RedeemIn(Body):
    code: str = Field(..., pattern=r"^[A-Za-z0-9 -]{1,20}$", examples=["ABCD-EFGH-JKLM"])
    customer_id: Id


class CreditIn(Body):
    amount: MoneyIn
    reason: Reason


class CreditNoteOut(Schema):
    id: int
    amount: Money
    reason: str
    created_at: datetime

    @staticmethod
    def resolve_amount(obj, context) -> dict:
        return money(obj.amount, context["request"].currency)


class CreditOut(Schema):
    balance: Money
    notes: list[CreditNoteOut]


class RedeemOut(Schema):
    pass_id: int | None = Field(..., description="the pass issued, for a pass voucher")
    credit: CreditOut


class PayWithCreditIn(Body):
    amount: MoneyIn


ShortReason = Annotated[str, Field(pattern=NO_NUL, min_length=1, max_length=200)]


class FreezeIn(Body):
    starts_on: Day
    ends_on: Day
    reason: ShortReason


class FreezeOut(Schema):
    id: int
    pass_id: int = Field(..., alias="customer_pass_id")
    starts_on: date
    ends_on: date
    reason: str
    created_at: datetime


class ExtendIn(Body):
    days: Annotated[int, *whole(1, 366)]
    reason: ShortReason


class ExtendOut(Schema):
    extended: int = Field(..., description="how many live passes moved their expiry")


class ReportOut(Schema):
    title: str
    columns: list[str]
    rows: list[list[str]] = Field(..., description="numbers as decimal strings")


class WaitlistJoinIn(Body):
    customer_id: Id
    late_ok: StrictBool = Field(
        False, description="Book me automatically even inside the late-cancel window"
    )
    drop_in: StrictBool = Field(
        False, description="Staff only: pay the drop-in price if no pass can pay when promoted"
    )


class WaitlistEntryOut(Schema):
    id: int
    session_id: int
    customer_id: int
    status: str
    position: int | None = Field(..., description="1 = first in line; empty once not waiting")
    joined_at: datetime
    late_ok: bool = Field(..., alias="auto_promote_late")
    drop_in: bool
    skip_reason: str = Field(..., description="why the last promotion passed this entry by")
    skipped_at: datetime | None
    offer_expires_at: datetime | None = Field(
        ..., description="while `offered`: the place is held for them until then (claim it)"
    )
    booking_id: int | None = Field(..., description="the booking a promotion made")
    holds_credit: bool = Field(
        ...,
        description="a credit is held on a pass for this wait (studio setting "
        "`waitlist_holds_credit`), given back on leaving and spent on promotion",
    )
