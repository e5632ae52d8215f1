"""The common flows of docs/api.md, end to end over HTTP."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from passbook import clock
from passbook.models import ApiToken, Pass, User
from tests.api.conftest import Api
from tests.factories import SessionFactory


def test_sell_a_pass_with_upfront_bookings_then_pay_the_rest(owner, studio):
    s1, s2 = (
        SessionFactory(class_type=studio.class_type),
        SessionFactory(class_type=studio.class_type),
    )
    sold = owner.post(
        "/purchases",
        {
            "customer_id": studio.b.id,
            "product_id": studio.product.id,
            "payment": {"amount": "50.00", "method": "card"},
            "session_ids": [s1.id, s2.id],
        },
    )
    assert sold.status_code == 201, sold.content
    body = sold.json()
    assert (body["total"], body["held"], body["remaining"]) == ("10.00", "2.00", "8.00")
    assert body["payment_status"] == "partly_paid"
    assert body["price"] == {"amount": "200.00", "currency": "USD"}
    assert body["paid"] == {"amount": "50.00", "currency": "USD"}
    assert body["starts_at"].endswith(("+00:00", "Z"))
    paid = owner.post(f"/passes/{body['id']}/payments", {"amount": "150.00", "method": "cash"})
    assert paid.status_code == 201 and paid.json()["amount"]["amount"] == "150.00"
    assert owner.get(f"/passes/{body['id']}").json()["payment_status"] == "paid"


def test_all_or_nothing_purchase_answers_409_and_sells_nothing(owner, studio):
    full = SessionFactory(class_type=studio.class_type, capacity=1)
    owner.post("/bookings", {"customer_id": studio.a.id, "session_id": full.id})
    refused = owner.post(
        "/purchases",
        {
            "customer_id": studio.b.id,
            "product_id": studio.product.id,
            "session_ids": [studio.free.id, full.id],
        },
    )
    assert refused.status_code == 409 and refused.json()["code"] == "session_full"
    assert not Pass.objects.filter(customer=studio.b).exists()


def test_book_check_in_and_see_remaining_drop(owner, studio):
    booked = owner.post("/bookings", {"customer_id": studio.a.id, "session_id": studio.free.id})
    assert booked.status_code == 201
    assert booked.json()["cost"] == "1.00 CR" and booked.json()["pass_id"] == studio.pass_a.id
    before = owner.get(f"/passes/{studio.pass_a.id}").json()
    with clock.at(studio.free.starts_at):
        checked = owner.post(f"/bookings/{booked.json()['id']}/check-in")
    assert checked.json()["status"] == "attended"
    after = owner.get(f"/passes/{studio.pass_a.id}").json()
    assert (after["held"], after["used"]) == (
        f"{float(before['held']) - 1:.2f}",
        f"{float(before['used']) + 1:.2f}",
    )
    history = owner.get(f"/passes/{studio.pass_a.id}/history").json()
    assert [e["kind"] for e in history][-2:] == ["hold", "consume"]


def test_explain_why_a_pass_was_not_used(owner, studio, pilates):
    product = owner.post(
        "/products",
        {
            "name": "Pilates 5",
            "price": "90.00",
            "credits": "5",
            "category_ids": [pilates.category_id],
        },
    ).json()
    owner.post("/purchases", {"customer_id": studio.a.id, "product_id": product["id"]})
    answer = owner.get(f"/customers/{studio.a.id}/explain?session={studio.free.id}").json()
    by_name = {v["pass_name"]: v for v in answer}
    assert by_name["10-class pass"]["chosen"] is True
    assert by_name["Pilates 5"]["message"] == "restricted to Pilates"


def test_extend_an_expired_pass_and_book_with_it_again(owner, studio):
    with clock.at(clock.now() - timedelta(days=200)):
        old = owner.post(
            "/purchases", {"customer_id": studio.b.id, "product_id": studio.product.id}
        ).json()
    assert owner.get(f"/passes/{old['id']}").json()["status"] == "expired"
    refused = owner.post("/bookings", {"customer_id": studio.b.id, "session_id": studio.free.id})
    assert refused.status_code == 409 and refused.json()["code"] == "no_usable_pass"
    assert refused.json()["reasons"][0]["code"] == "expired"
    extended = owner.post(
        f"/passes/{old['id']}/validity",
        {
            "starts_on": old["starts_at"][:10],
            "expires_on": str(clock.now().date() + timedelta(days=60)),
            "reason": "injury",
        },
    )
    assert extended.json()["status"] == "active"
    again = owner.post("/bookings", {"customer_id": studio.b.id, "session_id": studio.free.id})
    assert again.status_code == 201 and again.json()["pass_id"] == old["id"]


def test_passes_list_filters_sorts_and_pages(owner, studio):
    for _ in range(3):
        owner.post("/purchases", {"customer_id": studio.b.id, "product_id": studio.product.id})
    page = owner.get(f"/passes?customer={studio.b.id}&page_size=2&sort=purchased_at").json()
    assert (page["count"], len(page["results"]), page["page"]) == (3, 2, 1)
    assert owner.get("/passes?payment_status=paid").json()["count"] == 1  # pass A
    # B's three, and A's 10-class pass, massage pass and subscription pass
    assert owner.get("/passes?status=active").json()["count"] == 6
    assert owner.get("/passes?sort=shoe_size").json()["code"] == "invalid_input"


def test_validation_errors_name_each_field(owner, studio):
    response = owner.post("/bookings", {"customer_id": "x", "session_id": True})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"customer_id", "session_id"}


def test_a_customer_sees_only_their_own_data(apis, studio):
    owner_view = apis["owner"].get("/passes").json()["count"]
    mine = apis["customer_b"].get("/passes").json()
    assert mine["count"] == 0 < owner_view
    assert apis["customer_b"].get(f"/passes/{studio.pass_a.id}").status_code == 404
    assert apis["customer_a"].get("/customers").json()["count"] == 1


def test_browser_sessions_need_the_csrf_token(studio):
    client = Client(enforce_csrf_checks=True)
    client.force_login(studio.a.user)
    api = Api(client)
    assert api.get("/passes").status_code == 200  # reading needs no token
    refused = api.post("/bookings", {"customer_id": studio.a.id, "session_id": studio.free.id})
    assert refused.status_code in {401, 403}
    client.get("/api/v1/docs")  # any page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    allowed = api.post(
        "/bookings",
        {"customer_id": studio.a.id, "session_id": studio.free.id},
        **{"X-CSRFToken": token},
    )
    assert allowed.status_code == 201, allowed.content


def test_tokens_are_printed_once_stored_hashed_and_revocable(db, capsys):
    call_command("create-token", "--role", "manager", "--name", "website")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get()
    assert raw.startswith("pbk_") and raw not in (token.digest, token.hint)
    api = Api(Client(), {"Authorization": f"Bearer {raw}"})
    assert api.get("/categories").status_code == 200
    call_command("revoke-token", str(token.id))
    assert api.get("/categories").status_code == 401
    bad = Api(Client(), {"Authorization": "Bearer pbk_not-a-token"})
    assert bad.get("/categories").status_code == 401


def test_a_token_for_a_named_user_takes_their_role_and_never_more(db, capsys):
    User.objects.create_user("desk", role=User.Role.FRONTDESK)
    User.objects.create_user("shopper")  # a customer's login: no role
    call_command("create-token", "--user", "desk")
    assert ApiToken.objects.get().role == User.Role.FRONTDESK
    with pytest.raises(CommandError, match="higher role than its user"):
        call_command("create-token", "--user", "desk", "--role", "owner")
    with pytest.raises(CommandError, match="No active staff user"):
        call_command("create-token", "--user", "shopper", "--role", "frontdesk")
    assert ApiToken.objects.count() == 1


def test_a_sold_product_is_archived_not_deleted(owner, studio):
    refused = owner.call("DELETE", f"/products/{studio.product.id}")
    assert refused.status_code == 409 and refused.json()["code"] == "in_use"
    assert owner.post(f"/products/{studio.product.id}/archive").json()["archived"] is True
    assert studio.product.id not in [p["id"] for p in owner.get("/products").json()]


def test_problem_details_never_lose_their_standard_members():
    from passbook.api.problems import problem
    from passbook.services.errors import SessionFull

    response = problem(SessionFull("boom", status="x", code="y", detail="z"))
    body = json.loads(response.content)
    assert (body["status"], body["code"], body["detail"]) == (409, "session_full", "boom")


def test_nul_characters_are_refused_not_crashed_on(owner, studio):
    created = owner.post("/customers", {"first_name": "Nu\u0000ll"})
    assert created.status_code == 422 and created.json()["code"] == "validation_error"
    searched = owner.get("/customers?search=%00")  # refused before any view: never stored
    assert searched.status_code == 400 and searched.json()["code"] == "bad_request"


def test_customers_never_see_someone_elses_private_appointment(pinned, apis, studio):
    day = (clock.now() + timedelta(days=3)).date()
    made = apis["owner"].post(
        f"/passes/{studio.pass_a.id}/sessions",
        {"on": day.isoformat(), "at": "15:00", "class_type_id": studio.class_type.id},
    )
    appointment = made.json()["session_id"]
    week = f"/sessions?start={clock.now().date()}"

    def listed(api) -> list[int]:
        return [s["id"] for s in api.get(week).json()]

    assert appointment in listed(apis["owner"]) and appointment in listed(apis["customer_a"])
    assert appointment not in listed(apis["customer_b"])
    assert apis["customer_b"].get(f"/sessions/{appointment}").status_code == 404
    assert apis["owner"].get(f"/sessions/{appointment}").json()["private"] is True
    booking = {"customer_id": studio.b.id, "session_id": appointment}
    assert apis["customer_b"].post("/bookings", booking).status_code == 404
    explain = f"/customers/{studio.b.id}/explain?session={appointment}"
    assert apis["customer_b"].get(explain).status_code == 404
