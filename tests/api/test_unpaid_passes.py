"""The API as a customer: the cap on unpaid passes, and the `unpaid` reason."""

from decimal import Decimal

import pytest

from passbook.models import Business, Pass, User
from passbook.models.business import UnpaidPolicy
from tests.api.conftest import customer_api, staff_api
from tests.factories import CustomerFactory, ProductFactory, SessionFactory


@pytest.fixture
def ada(business):
    return CustomerFactory(first_name="Ada", user=User.objects.create_user("ada"))


@pytest.fixture
def product(db):
    return ProductFactory(name="10-class pass", price=Decimal("200"), online_purchasable=True)


def studio(**settings) -> None:
    business = Business.current()
    for name, value in settings.items():
        setattr(business, name, value)
    business.save()


def test_one_unpaid_purchase_too_many_is_a_409_problem(ada, product):
    studio(unpaid_passes_per_customer=1)
    me = customer_api(ada)
    body = {"customer_id": ada.id, "product_id": product.id}
    assert me.post("/purchases", body).status_code == 201
    refused = me.post("/purchases", body)
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "too_many_unpaid_passes" and problem["limit"] == 1
    assert problem["detail"].startswith("You may owe money on at most 1 pass at a time")
    assert Pass.objects.filter(customer=ada).count() == 1
    # the desk may still sell one
    assert staff_api("frontdesk").post("/purchases", body).status_code == 201


def test_a_held_pass_is_explained_as_unpaid(ada, product, yoga):
    studio(unpaid_pass_policy=UnpaidPolicy.HOLD)
    me = customer_api(ada)
    me.post("/purchases", {"customer_id": ada.id, "product_id": product.id})
    session = SessionFactory(class_type=yoga)
    refused = me.post("/bookings", {"customer_id": ada.id, "session_id": session.id})
    assert refused.status_code == 409 and refused.json()["code"] == "no_usable_pass"
    [reason] = refused.json()["reasons"]
    assert (reason["code"], reason["message"]) == ("unpaid", "on hold until paid (200.00 owed)")
    [verdict] = me.get(f"/customers/{ada.id}/explain?session={session.id}").json()
    assert verdict["code"] == "unpaid" and not verdict["chosen"]
