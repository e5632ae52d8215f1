"""Subscriptions, vouchers, account credit, freezes and reports over HTTP."""

from datetime import datetime, timedelta

from passbook import clock
from passbook.models import Payment, Renewal


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _in(days: int) -> str:
    return str(clock.now().date() + timedelta(days=days))


def test_sell_a_voucher_then_redeem_it_for_credit_and_pay_a_pass(apis, owner, studio):
    sale = owner.post(
        "/voucher-sales",
        {
            "value": "60",
            "expires_on": _in(365),
            "buyer_id": studio.b.id,
            "payment": {"amount": "60", "method": "card"},
        },
    )
    assert sale.status_code == 201, sale.content
    voucher = sale.json()
    assert voucher["price"] == {"amount": "60.00", "currency": "USD"}
    payments = owner.get(f"/payments?customer={studio.b.id}").json()["results"]
    assert [p["voucher_id"] for p in payments] == [voucher["id"]]

    ada = apis["customer_a"]
    redeemed = ada.post("/vouchers/redeem", {"code": voucher["code"], "customer_id": studio.a.id})
    assert redeemed.status_code == 200, redeemed.content
    assert redeemed.json()["credit"]["balance"]["amount"] == "100.00"  # 40 goodwill + 60
    paid = ada.post(f"/passes/{studio.owing_a.id}/pay-with-credit", {"amount": "90"})
    assert paid.status_code == 201 and paid.json()["method"] == "account_credit"
    assert ada.get(f"/passes/{studio.owing_a.id}").json()["payment_status"] == "paid"
    assert ada.get(f"/customers/{studio.a.id}/credit").json()["balance"]["amount"] == "10.00"
    again = ada.post(f"/passes/{studio.owing_a.id}/pay-with-credit", {"amount": "1"})
    assert again.status_code == 409 and again.json()["code"] == "more_than_owed"


def test_a_voucher_sale_that_is_not_paid_in_full_records_nothing(owner, studio):
    before = Payment.objects.count()
    short = owner.post(
        "/voucher-sales",
        {
            "value": "60",
            "expires_on": _in(365),
            "buyer_id": studio.b.id,
            "payment": {"amount": "59.99", "method": "cash"},
        },
    )
    assert short.status_code == 409 and short.json()["code"] == "invalid_input"
    assert Payment.objects.count() == before and owner.get("/vouchers").json() == [
        owner.get("/vouchers").json()[0]  # only the fixture's voucher
    ]


def test_wrong_codes_are_throttled_per_caller(apis, studio):
    ada, bea = apis["customer_a"], apis["customer_b"]
    for _ in range(5):
        wrong = ada.post("/vouchers/redeem", {"code": "AAAA-BBBB-CCCC", "customer_id": studio.a.id})
        assert wrong.json()["code"] == "invalid_voucher"
    right = {"code": studio.voucher.code, "customer_id": studio.a.id}
    assert ada.post("/vouchers/redeem", right).json()["code"] == "too_many_attempts"
    # someone else is not blocked by Ada's guessing
    mine = bea.post("/vouchers/redeem", {**right, "customer_id": studio.b.id})
    assert mine.status_code == 200


def test_subscription_lifecycle(owner, apis, studio):
    started = owner.post("/subscriptions", {"customer_id": studio.b.id, "plan_id": studio.plan.id})
    assert started.status_code == 201
    sub = started.json()
    assert Renewal.objects.filter(subscription_id=sub["id"]).count() == 1
    assert owner.post(f"/subscriptions/{sub['id']}/pause").json()["status"] == "paused"
    refused = owner.post(f"/subscriptions/{sub['id']}/pause")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_input"
    assert owner.post(f"/subscriptions/{sub['id']}/resume").json()["status"] == "active"
    bea = apis["customer_b"]
    assert bea.post(f"/subscriptions/{sub['id']}/cancel").json()["cancel_at_period_end"] is True
    assert [s["id"] for s in bea.get("/subscriptions").json()] == [sub["id"]]


def test_freeze_moves_expiry_and_closure_extends_live_passes(owner, studio):
    before = owner.get(f"/passes/{studio.pass_a.id}").json()["expires_at"]
    frozen = owner.post(
        f"/passes/{studio.pass_a.id}/freezes",
        {"starts_on": _in(40), "ends_on": _in(49), "reason": "holiday"},
    )
    assert frozen.status_code == 201, frozen.content
    after = owner.get(f"/passes/{studio.pass_a.id}").json()["expires_at"]
    assert _moment(after) - _moment(before) == timedelta(days=10)
    backwards = owner.post(
        f"/passes/{studio.pass_a.id}/freezes",
        {"starts_on": _in(49), "ends_on": _in(40), "reason": "holiday"},
    )
    assert backwards.json()["code"] == "invalid_input"
    extended = owner.post("/pass-extensions", {"days": 7, "reason": "flood"})
    assert extended.json() == {"extended": 3}  # A's 10-class, massage and subscription passes
    assert owner.post("/pass-extensions", {"days": 0, "reason": "x"}).status_code == 422


def test_reports_are_tables_of_strings(owner, studio):
    today = str(clock.now().date())
    sales = owner.get(f"/reports/sales?start={today}&end={today}").json()
    assert sales["columns"] == ["Pass", "Sold", "Revenue"]
    assert ["10-class pass", "1", "200.00"] in sales["rows"]
    owed = owner.get(f"/reports/owed?start={today}&end={today}").json()
    assert owed["rows"][0] == ["Account credit", "1", "40.00"]
    bad = owner.get(f"/reports/sales?start={today}&end=2000-01-01")
    assert bad.status_code == 409 and bad.json()["errors"][0]["field"] == "end"
    assert owner.get(f"/reports/nope?start={today}&end={today}").status_code == 422
