"""Every operation x anonymous, customer A, customer B, front desk, manager, owner.

Data belongs to customer A. Expected: anonymous 401; a customer reaching another's data
404; a role that is too low 403; everyone else success. A refused call changes nothing.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from passbook import clock
from passbook.api.app import api
from passbook.reports import REPORTS
from passbook.services import subscriptions
from tests.api.conftest import PRINCIPALS
from tests.integration.helpers import fingerprint

ANY, OWN, FRONTDESK, MANAGER, OWNER = "any", "own", "frontdesk", "manager", "owner"


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # formatted with the studio
    who: str  # ANY signed-in, OWN (customers: only their own), FRONTDESK+, MANAGER+, OWNER
    body: object = None  # a dict, or a function of the studio
    before: str = ""  # a state the call needs, set up by the same caller's staff: "pause"

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


PAID_50 = {"amount": "50", "method": "card"}


def _voucher_body(s):
    return {"value": "50", "expires_on": str(clock.now().date() + timedelta(days=365))}


def _session_body(s):
    start = clock.now() + timedelta(days=30)
    return {"class_type_id": s.class_type.id, "starts_at": start.isoformat()}


OPS = [
    Op("GET", "/categories", ANY),
    Op("GET", "/categories/{s.category.id}", ANY),
    Op("POST", "/categories", MANAGER, {"name": "Barre"}),
    Op("PATCH", "/categories/{s.category.id}", MANAGER, {"name": "Hot Yoga"}),
    Op("DELETE", "/categories/{s.spare_category.id}", MANAGER),
    Op("GET", "/class-types", ANY),
    Op("GET", "/class-types/{s.class_type.id}", ANY),
    Op("POST", "/class-types", MANAGER, lambda s: {"name": "Yin", "category_id": s.category.id}),
    Op("PATCH", "/class-types/{s.class_type.id}", MANAGER, {"capacity": 20}),
    Op("DELETE", "/class-types/{s.spare_class_type.id}", MANAGER),
    Op("GET", "/staff", ANY),
    Op("GET", "/staff/{s.trainer.id}", ANY),
    Op("POST", "/staff", MANAGER, {"name": "Kim"}),
    Op("PATCH", "/staff/{s.trainer.id}", MANAGER, {"active": False}),
    Op("DELETE", "/staff/{s.trainer.id}", MANAGER),
    Op("GET", "/resources", ANY),
    Op("GET", "/resources/{s.room.id}", ANY),
    Op("POST", "/resources", MANAGER, {"name": "Studio C"}),
    Op("PATCH", "/resources/{s.room.id}", MANAGER, {"name": "Studio A2"}),
    Op("DELETE", "/resources/{s.room.id}", MANAGER),
    Op("GET", "/products", ANY),
    Op("GET", "/products/{s.product.id}", ANY),
    Op("POST", "/products", MANAGER, {"name": "Trial", "price": "20.00", "credits": "2"}),
    Op("PATCH", "/products/{s.product.id}", MANAGER, {"price": "210.00"}),
    Op("POST", "/products/{s.product.id}/archive", MANAGER),
    Op("POST", "/products/{s.product.id}/apply-priority", MANAGER),
    Op("DELETE", "/products/{s.spare_product.id}", MANAGER),
    Op("GET", "/sessions", ANY),
    Op("GET", "/sessions/{s.future.id}", ANY),
    Op("POST", "/sessions", MANAGER, _session_body),
    Op("PATCH", "/sessions/{s.free.id}", MANAGER, {"capacity": 12, "waitlist_capacity": 3}),
    Op("POST", "/sessions/{s.free.id}/cancel", MANAGER, {"reason": "teacher ill"}),
    Op("GET", "/customers", ANY),
    Op("POST", "/customers", FRONTDESK, {"first_name": "Cal"}),
    Op("GET", "/customers/{s.a.id}", OWN),
    Op("PATCH", "/customers/{s.a.id}", OWN, {"phone": "0400 000 000"}),
    Op("DELETE", "/customers/{s.spare_customer.id}", MANAGER),
    Op("GET", "/customers/{s.a.id}/explain?session={s.free.id}", OWN),
    Op("GET", "/passes", ANY),
    Op("GET", "/passes/{s.pass_a.id}", OWN),
    Op("GET", "/passes/{s.pass_a.id}/history", OWN),
    Op("POST", "/purchases", OWN, lambda s: {"customer_id": s.a.id, "product_id": s.product.id}),
    Op("POST", "/passes/{s.pass_a.id}/total", MANAGER, {"total": "12"}),
    Op("POST", "/passes/{s.pass_a.id}/priority", MANAGER, {"priority": 3, "reason": "VIP"}),
    Op(
        "POST",
        "/passes/{s.pass_a.id}/validity",
        MANAGER,
        lambda s: {
            "starts_on": str(clock.now().date() - timedelta(days=2)),
            "expires_on": str(clock.now().date() + timedelta(days=90)),
        },
    ),
    Op("POST", "/passes/{s.pass_a.id}/top-up", MANAGER, {"amount": "2", "reason": "gift"}),
    Op("POST", "/passes/{s.pass_a.id}/adjust", MANAGER, {"amount": "-1", "reason": "fix"}),
    Op("POST", "/passes/{s.pass_a.id}/void", MANAGER, {"reason": "refunded"}),
    Op(
        "POST",
        "/passes/{s.pass_a.id}/sessions",
        FRONTDESK,
        lambda s: {
            "on": str(clock.now().date() + timedelta(days=20)),
            "at": "15:00:00",
            "class_type_id": s.class_type.id,
        },
    ),
    Op("GET", "/payments", ANY),
    Op(
        "POST",
        "/passes/{s.pass_a.id}/payments",
        FRONTDESK,
        {"amount": "5", "method": "cash", "excess_to_credit": True},  # pass_a is paid
    ),
    Op("POST", "/passes/{s.pass_a.id}/refunds", MANAGER, {"amount": "5", "method": "cash"}),
    Op("GET", "/bookings", ANY),
    Op("GET", "/bookings/{s.booking_a.id}", OWN),
    Op("POST", "/bookings", OWN, lambda s: {"customer_id": s.a.id, "session_id": s.free.id}),
    Op("POST", "/bookings/{s.booking_a.id}/cancel", OWN),
    Op("POST", "/bookings/{s.booking_started.id}/check-in", FRONTDESK),
    Op("POST", "/bookings/{s.booking_attended.id}/undo-check-in", FRONTDESK),
    Op("POST", "/bookings/{s.booking_started.id}/no-show", FRONTDESK),
    Op("POST", "/bookings/{s.booking_missed.id}/undo-no-show", FRONTDESK),
    Op(
        "POST",
        "/bookings/{s.booking_missed.id}/payments",
        FRONTDESK,
        {"amount": "5", "method": "cash"},
    ),
    Op("POST", "/sessions/{s.full.id}/waitlist", OWN, lambda s: {"customer_id": s.a.id}),
    Op("GET", "/sessions/{s.late.id}/waitlist", ANY),
    Op("DELETE", "/waitlist/{s.waiting_a.id}", OWN),
    Op("POST", "/waitlist/{s.waiting_a.id}/claim", OWN),
    Op("POST", "/waitlist/{s.waiting_a.id}/promote", FRONTDESK),
    Op("GET", "/plans", ANY),
    Op(
        "POST",
        "/plans",
        MANAGER,
        lambda s: {"name": "Weekly", "product_id": s.product.id, "interval": "week", "price": "25"},
    ),
    Op("PATCH", "/plans/{s.plan.id}", MANAGER, {"active": False}),
    Op("GET", "/subscriptions", ANY),
    Op("GET", "/subscriptions/{s.subscription_a.id}", OWN),
    Op(
        "POST", "/subscriptions", FRONTDESK, lambda s: {"customer_id": s.b.id, "plan_id": s.plan.id}
    ),
    Op("POST", "/subscriptions/{s.subscription_a.id}/cancel", OWN),
    Op("POST", "/subscriptions/{s.subscription_a.id}/pause", FRONTDESK),
    Op("POST", "/subscriptions/{s.subscription_a.id}/resume", FRONTDESK, before="pause"),
    Op("GET", "/vouchers", MANAGER),
    Op("POST", "/vouchers", MANAGER, _voucher_body),
    Op(
        "POST",
        "/voucher-sales",
        FRONTDESK,
        lambda s: {**_voucher_body(s), "buyer_id": s.b.id, "payment": PAID_50},
    ),
    Op(
        "POST",
        "/vouchers/redeem",
        OWN,
        lambda s: {"code": s.voucher.code, "customer_id": s.a.id},
    ),
    Op("GET", "/customers/{s.a.id}/credit", OWN),
    Op("POST", "/customers/{s.a.id}/credit", MANAGER, {"amount": "5", "reason": "sorry"}),
    Op("POST", "/passes/{s.owing_a.id}/pay-with-credit", OWN, {"amount": "40"}),
    Op("GET", "/passes/{s.pass_a.id}/freezes", OWN),
    Op(
        "POST",
        "/passes/{s.pass_a.id}/freezes",
        MANAGER,
        lambda s: {
            "starts_on": str(clock.now().date() + timedelta(days=40)),
            "ends_on": str(clock.now().date() + timedelta(days=50)),
            "reason": "holiday",
        },
    ),
    Op("POST", "/pass-extensions", MANAGER, {"days": 7, "reason": "closed for repairs"}),
    *(Op("GET", f"/reports/{name}?start=2026-01-01&end=2026-12-31", OWNER) for name in REPORTS),
]


RANK = {FRONTDESK: 1, MANAGER: 2, OWNER: 3}


def expected(op: Op, principal: str) -> int | None:
    """The refusal status, or None when the call should succeed."""
    if principal == "anonymous":
        return 401
    customer = principal.startswith("customer")
    if op.who == ANY or (op.who == OWN and principal != "customer_b"):
        return None
    if op.who == OWN:
        return 404  # B reaching A's data: as if it did not exist
    if customer or RANK[principal] < RANK[op.who]:
        return 403
    return None


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("op", OPS, ids=str)
def test_authorization(apis, studio, op, principal):
    body = op.body(studio) if callable(op.body) else op.body
    if op.method in {"POST", "PATCH"} and body is None:
        body = {}
    if op.before == "pause":
        subscriptions.pause(studio.subscription_a.id)
    before = fingerprint()
    response = apis[principal].call(op.method, op.path.format(s=studio), body)
    refusal = expected(op, principal)
    if refusal is None:
        assert response.status_code < 300, response.content
    else:
        assert response.status_code == refusal, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert fingerprint() == before


def test_every_api_operation_is_in_the_matrix():
    schema = api.get_openapi_schema()
    documented = {
        (m.upper(), p.removeprefix("/api/v1")) for p, item in schema["paths"].items() for m in item
    }
    missing = {
        (method, path)
        for method, path in documented
        if not any(op.method == method and _matches(path, op.path) for op in OPS)
    }
    assert missing == set()


def _matches(documented: str, path: str) -> bool:
    """'/passes/{pk}' matches '/passes/{s.pass_a.id}' and '/reports/{name}' '/reports/sales'."""
    pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(documented))
    return re.fullmatch(pattern, path.split("?")[0]) is not None
