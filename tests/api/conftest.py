"""A small studio and an API client for each kind of caller."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from passbook import clock
from passbook.models import ApiToken, Plan, User
from passbook.services import bookings, credit, passes, subscriptions, vouchers, waitlists
from passbook.services.payments import PaymentInput
from tests.factories import (
    CategoryFactory,
    ClassTypeFactory,
    CustomerFactory,
    ProductFactory,
    ResourceFactory,
    SessionFactory,
    StaffFactory,
)

PRINCIPALS = ["anonymous", "customer_a", "customer_b", "frontdesk", "manager", "owner"]


class Api:
    """A JSON client for /api/v1 as one caller."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client, self.headers = client, headers or {}

    def call(self, method: str, path: str, body=None, **headers):
        kwargs = {"content_type": "application/json"} if body is not None else {}
        return getattr(self.client, method.lower())(
            f"/api/v1{path}", body, headers={**self.headers, **headers}, **kwargs
        )

    def get(self, path, **headers):
        return self.call("GET", path, **headers)

    def post(self, path, body=None, **headers):
        return self.call("POST", path, body if body is not None else {}, **headers)


def staff_api(role: str) -> Api:
    user = User.objects.create_user(f"{role}-user", role=role)
    _token, raw = ApiToken.issue(user, role)
    return Api(Client(), {"Authorization": f"Bearer {raw}"})


def customer_api(customer) -> Api:
    client = Client()
    client.force_login(customer.user)
    return Api(client)


@dataclass
class Studio:
    category: object
    spare_category: object
    class_type: object
    spare_class_type: object
    trainer: object
    room: object
    product: object
    spare_product: object
    a: object
    b: object
    spare_customer: object
    pass_a: object
    future: object  # booked by A
    free: object  # nobody booked
    started: object  # A booked, in progress
    attended: object  # A checked in
    booking_a: object
    booking_started: object
    booking_attended: object
    booking_missed: object  # Bea's drop-in, marked a no-show
    owing_a: object  # A's unpaid massage pass (not usable for yoga)
    plan: object
    subscription_a: object
    voucher: object  # worth 30.00, unredeemed
    full: object  # one place, taken by Bea (complimentary)
    late: object  # starts in 2 hours; its one place freed, A still waiting (not opted in)
    waiting_a: object  # A's waitlist entry for `late`


@pytest.fixture
def studio(business) -> Studio:
    category = CategoryFactory(name="Yoga")
    yoga = ClassTypeFactory(name="Vinyasa", category=category)
    a = CustomerFactory(first_name="Ada", user=User.objects.create_user("ada"))
    b = CustomerFactory(first_name="Bea", user=User.objects.create_user("bea"))
    product = ProductFactory(name="10-class pass", credits=10, price=Decimal("200"))
    pass_a = passes.sell(a.id, product.id, payment=PaymentInput(Decimal("200"), "card"))
    future, free = SessionFactory(class_type=yoga), SessionFactory(class_type=yoga)
    started = SessionFactory(class_type=yoga, starts_at=clock.now() - timedelta(minutes=10))
    attended = SessionFactory(class_type=yoga, starts_at=clock.now() - timedelta(minutes=5))
    booking_attended = bookings.book(a.id, attended.id)
    bookings.check_in(booking_attended.id)
    missed = SessionFactory(class_type=yoga, starts_at=clock.now() - timedelta(minutes=20))
    booking_missed = bookings.book(b.id, missed.id, paid_by="drop_in")
    bookings.mark_no_show(booking_missed.id)
    spare_category = CategoryFactory(name="Spare")
    massage = ProductFactory(name="Massage 3-pack", credits=3, price=Decimal("90"))
    massage.categories.set([spare_category])
    credit.issue(a.id, Decimal("40"), reason="goodwill")
    plan = Plan.objects.create(name="Monthly", product=massage, interval="month", price=80)
    full = SessionFactory(class_type=yoga, capacity=1)
    bookings.book(b.id, full.id, paid_by="complimentary")
    late = SessionFactory(class_type=yoga, capacity=1, starts_at=clock.now() + timedelta(hours=2))
    taken = bookings.book(b.id, late.id, paid_by="complimentary")
    waiting_a = waitlists.join(a.id, late.id)
    bookings.cancel(taken.id)  # inside the late-cancel window: A is not booked automatically
    return Studio(
        category=category,
        spare_category=spare_category,
        class_type=yoga,
        spare_class_type=ClassTypeFactory(name="Spare class", category=category),
        trainer=StaffFactory(),
        room=ResourceFactory(),
        product=product,
        spare_product=ProductFactory(name="Never sold"),
        a=a,
        b=b,
        spare_customer=CustomerFactory(first_name="Spare"),
        pass_a=pass_a,
        future=future,
        free=free,
        started=started,
        attended=attended,
        booking_a=bookings.book(a.id, future.id),
        booking_started=bookings.book(a.id, started.id),
        booking_attended=booking_attended,
        booking_missed=booking_missed,
        owing_a=passes.sell(a.id, massage.id),
        plan=plan,
        subscription_a=subscriptions.start(a.id, plan.id),
        voucher=vouchers.create(value=Decimal("30"), expires_on=clock.now().date() + timedelta(90)),
        full=full,
        late=late,
        waiting_a=waiting_a,
    )


@pytest.fixture
def apis(studio) -> dict[str, Api]:
    return {
        "anonymous": Api(Client()),
        "customer_a": customer_api(studio.a),
        "customer_b": customer_api(studio.b),
        **{role: staff_api(role) for role in ("frontdesk", "manager", "owner")},
    }


@pytest.fixture
def owner(apis) -> Api:
    return apis["owner"]
