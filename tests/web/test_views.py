"""Back-office pages and actions: who may do what, and forms that explain what is wrong."""

from datetime import timedelta

import pytest
from django.test import Client

from passbook import clock
from passbook.models import Booking, Business, Customer, GiftVoucher, Pass
from tests.integration.helpers import fingerprint
from tests.web.conftest import PASSWORD

FRONTDESK, MANAGER, OWNER = "frontdesk", "manager", "owner"
LEVEL = {FRONTDESK: 1, MANAGER: 2, OWNER: 3}

PAGES = [  # (path, lowest role)
    ("/office/passes/", FRONTDESK),
    ("/office/passes/export.csv", FRONTDESK),
    ("/office/passes/{o.pass_ada.id}/", FRONTDESK),
    ("/office/passes/{o.pass_ada.id}/?tab=payments", FRONTDESK),
    ("/office/passes/{o.pass_ada.id}/?tab=history", FRONTDESK),
    ("/office/schedule/", FRONTDESK),
    ("/office/sessions/{o.session.id}/", FRONTDESK),
    ("/office/sessions/{o.session.id}/?customer={o.ada.id}", FRONTDESK),
    ("/office/bookings/", FRONTDESK),
    ("/office/customers/", FRONTDESK),
    ("/office/customers/{o.ada.id}/", FRONTDESK),
    ("/office/sell/sessions/", FRONTDESK),
    ("/office/catalog/", MANAGER),
    ("/office/catalog/products/new/", MANAGER),
    ("/office/catalog/class-types/{o.yoga.id}/", MANAGER),
    ("/office/catalog/staff/new/", OWNER),
    ("/office/settings/", OWNER),
    ("/office/staff/", OWNER),
    ("/office/vouchers/", MANAGER),
    ("/office/reports/", OWNER),
    ("/office/catalog/plans/", MANAGER),
    ("/office/passes/extend/", MANAGER),
]

ACTIONS = [  # (path, form data, lowest role)
    ("/office/passes/{o.pass_ada.id}/total/", {"total": "12"}, MANAGER),
    (
        "/office/passes/{o.pass_ada.id}/priority/",
        {"priority-priority": "3", "priority-reason": "VIP"},
        MANAGER,
    ),
    (
        "/office/passes/{o.pass_ada.id}/validity/",
        {"starts_on": "2026-01-01", "expires_on": "2030-12-31"},
        MANAGER,
    ),
    ("/office/passes/{o.pass_ada.id}/top-up/", {"amount": "2", "reason": "gift"}, MANAGER),
    (
        "/office/passes/{o.pass_ada.id}/refunds/",
        {"refund-amount": "5", "refund-method": "cash"},
        MANAGER,
    ),
    ("/office/passes/{o.pass_ada.id}/void/", {"reason": "refunded"}, MANAGER),
    ("/office/passes/{o.pass_ada.id}/payments/", {"amount": "5", "method": "cash"}, FRONTDESK),
    ("/office/bookings/{o.booking.id}/check-in/", {}, FRONTDESK),
    (
        "/office/customers/{o.bea.id}/sell/",
        {"product": "{o.product.id}", "method": "card"},
        FRONTDESK,
    ),
    (
        "/office/sessions/{o.session.id}/book/",
        {"customer": "{o.bea.id}", "paid_by": "drop_in"},
        FRONTDESK,
    ),
    (
        "/office/sessions/{o.session.id}/places/",
        {"capacity": "12", "waitlist_capacity": ""},
        MANAGER,
    ),
    ("/office/sessions/{o.session.id}/cancel/", {"reason": "ill"}, MANAGER),
    (
        "/office/schedule/new/",
        {"class_type": "{o.yoga.id}", "on": "2027-03-01", "at": "09:00"},
        MANAGER,
    ),
    ("/office/catalog/categories/new/", {"name": "Barre"}, MANAGER),
    ("/office/catalog/staff/new/", {"name": "Kim", "active": "on"}, OWNER),
    ("/office/staff/", {"email": "kim@example.com", "role": FRONTDESK}, OWNER),
    (
        "/office/settings/",
        {
            "name": "Studio 2",
            "time_zone": "Europe/London",
            "currency": "GBP",
            "spend_order": "oldest_purchase",
            "late_cancel_hours": "6",
            "late_cancel_policy": "release",
            "no_show_policy": "consume",
            "check_in_opens_minutes": "30",
            "attendance_closes_hours": "12",
            "waitlist_capacity": "10",
        },
        OWNER,
    ),
    ("/office/customers/{o.bea.id}/credit/", {"amount": "10", "reason": "goodwill"}, MANAGER),
    ("/office/customers/{o.bea.id}/voucher/", {"code": "{o.voucher.code}"}, FRONTDESK),
    ("/office/customers/{o.bea.id}/subscribe/", {"plan": "{o.plan.id}"}, FRONTDESK),
    ("/office/subscriptions/{o.sub.id}/pause/", {}, FRONTDESK),
    (
        "/office/passes/{o.pass_ada.id}/freeze/",
        {"starts_on": "2030-01-01", "ends_on": "2030-01-05", "reason": "holiday"},
        MANAGER,
    ),
    ("/office/passes/{o.pass_ada.id}/pay-with-credit/", {"amount": "1"}, FRONTDESK),
    ("/office/vouchers/", {"value": "20", "expires_on": "2030-01-01"}, MANAGER),
    (
        "/office/customers/{o.bea.id}/sell-voucher/",
        {"value": "25", "expires_on": "2030-01-01", "price": "25", "method": "card"},
        FRONTDESK,
    ),
    ("/office/passes/extend/", {"days": "7", "reason": "closed for the flood"}, MANAGER),
]


@pytest.mark.parametrize("role", ["anonymous", FRONTDESK, MANAGER, OWNER])
@pytest.mark.parametrize(("path", "lowest"), PAGES, ids=[p for p, _ in PAGES])
def test_pages(clients, office, role, path, lowest):
    response = clients[role].get(path.format(o=office))
    if role == "anonymous":
        assert response.status_code == 302 and "/office/login/" in response["Location"]
    elif LEVEL[role] < LEVEL[lowest]:
        assert response.status_code in {403, 404}
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", ["anonymous", FRONTDESK, MANAGER, OWNER])
@pytest.mark.parametrize(("path", "data", "lowest"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_actions(clients, office, role, path, data, lowest):
    data = {k: v.format(o=office) for k, v in data.items()}
    before = fingerprint()
    response = clients[role].post(path.format(o=office), data)
    if role == "anonymous" or LEVEL[role] < LEVEL[lowest]:
        assert response.status_code in {302, 403, 404}
        if role == "anonymous":
            assert "/office/login/" in response["Location"]
        assert fingerprint() == before
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert fingerprint() != before


def test_a_refused_edit_shows_the_reason_beside_the_field_and_changes_nothing(clients, office):
    before = fingerprint()
    response = clients[MANAGER].post(
        f"/office/passes/{office.pass_ada.id}/total/", {"total": "0.5"}
    )  # one credit is already booked
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-error-for="__all__"' in page or 'data-error-for="total"' in page
    assert "cannot be less than 1.00" in page
    assert fingerprint() == before


def test_form_validation_messages_sit_beside_their_fields(clients, office):
    response = clients[MANAGER].post(
        f"/office/passes/{office.pass_ada.id}/top-up/", {"amount": "-3", "reason": ""}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert 'data-error-for="amount"' in page and 'data-error-for="reason"' in page


def test_selling_into_a_full_session_sells_nothing(clients, office):
    office.session.__class__.objects.filter(pk=office.session.pk).update(capacity=1)
    before = Pass.objects.count()
    response = clients[FRONTDESK].post(
        f"/office/customers/{office.bea.id}/sell/",
        {
            "product": office.product.id,
            "sessions": [office.session.id],
            "paid": "200",
            "method": "card",
        },
    )
    assert response.status_code == 422 and "This session is full." in response.content.decode()
    assert Pass.objects.count() == before
    page = response.content.decode()  # the list is shown as sent, the session still ticked
    assert '<details class="mb-2" id="sell-sessions" open>' in page
    assert f'value="{office.session.id}" id="id_sessions_0" checked' in page


def test_the_sell_form_fetches_its_session_list_only_when_opened(clients, office):
    page = clients[FRONTDESK].get(f"/office/customers/{office.bea.id}/").content.decode()
    assert 'hx-get="/office/sell/sessions/"' in page
    assert f'name="sessions" value="{office.session.id}"' not in page
    fragment = clients[FRONTDESK].get("/office/sell/sessions/").content.decode()
    assert f'name="sessions" value="{office.session.id}"' in fragment
    assert office.session.class_type.name in fragment


def test_settings_reject_an_unknown_time_zone(clients, office):
    response = clients[OWNER].post(
        "/office/settings/",
        {
            "name": "X",
            "time_zone": "Mars/Base",
            "currency": "USD",
            "spend_order": "oldest_purchase",
            "late_cancel_hours": "6",
            "late_cancel_policy": "release",
            "no_show_policy": "consume",
        },
    )
    assert response.status_code == 422 and "IANA" in response.content.decode()
    assert Business.current().time_zone == "UTC"


def test_htmx_check_in_returns_the_updated_row(clients, office):
    response = clients[FRONTDESK].post(
        f"/office/bookings/{office.booking.id}/check-in/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="booking-{office.booking.id}"') and "Attended" in row
    assert Booking.objects.get(pk=office.booking.pk).status == "attended"


def test_csv_export_follows_the_filters(clients, office):
    from passbook.services import passes

    passes.sell(office.bea.id, office.product.id)
    response = clients[FRONTDESK].get("/office/passes/export.csv?payment=unpaid")
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("Pass id,Customer,Pass,Total")
    assert len(lines) == 2 and "Bea" in lines[1] and "Unpaid" in lines[1]


def test_login_page_logs_in_and_throttles_guessing(office, settings):
    from django.test import Client

    client = Client()
    ok = client.post("/office/login/", {"username": "manager", "password": PASSWORD})
    assert ok.status_code == 302
    guesser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guesser.post("/office/login/", {"username": "owner", "password": "wrong"})
    locked = guesser.post("/office/login/", {"username": "owner", "password": PASSWORD})
    assert locked.status_code in {403, 429} and "_auth_user_id" not in guesser.session


def test_passwords_are_hashed_with_argon2(office):
    from passbook.models import User

    assert User.objects.get(username="owner").password.startswith("argon2")


def test_password_reset_sends_a_link(office, mailoutbox):
    from passbook.services import notifications

    response = Client().post("/office/password-reset/", {"email": "owner@example.com"})
    assert response.status_code == 302 and mailoutbox == []  # queued, sent by the jobs
    notifications.deliver()
    assert len([m for m in mailoutbox if "/office/reset/" in m.body]) == 1


def test_logout_ends_the_session(clients):
    assert clients[OWNER].post("/office/logout/").status_code == 302
    assert clients[OWNER].get("/office/passes/").status_code == 302


def test_expiring_within_filter(clients, office):
    soon = clock.now() + timedelta(days=3)
    Pass.objects.filter(pk=office.pass_ada.pk).update(expires_at=soon)
    page = clients[FRONTDESK].get("/office/passes/?expiring_within=7").content.decode()
    assert "Ada" in page
    page = clients[FRONTDESK].get("/office/passes/?expiring_within=1").content.decode()
    assert "No passes match." in page


@pytest.mark.parametrize(
    "sort",
    [
        "customer",
        "-customer",
        "name",
        "total",
        "-total",
        "held",
        "used",
        "remaining",
        "-remaining",
        "expires_at",
        "paid",
        "status",
        "-status",
        "nonsense",
    ],
)
def test_every_column_sorts(clients, office, sort):
    from passbook.services import passes

    passes.void(passes.sell(office.bea.id, office.product.id).id, reason="test")
    response = clients[FRONTDESK].get(f"/office/passes/?sort={sort}")
    assert response.status_code == 200
    page = response.content.decode()
    active, voided = page.index("status-active"), page.index("status-voided")
    if sort == "status":
        assert active < voided
    if sort == "-status":
        assert voided < active


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/office/schedule/", "<title>Schedule ·"),
        ("/office/passes/", "<title>Sales › Passes ·"),
        ("/office/bookings/", "<title>Bookings ·"),
        ("/office/customers/", "<title>Customers ·"),
    ],
)
def test_page_titles_are_plain_text(clients, path, title):
    page = clients[MANAGER].get(path).content.decode()
    head = page.split("</title>")[0]
    assert title in head and "<form" not in head


def test_selling_a_voucher_shows_its_code_and_records_the_payment(clients, office):
    response = clients[FRONTDESK].post(
        f"/office/customers/{office.bea.id}/sell-voucher/",
        {
            "product": str(office.product.id),
            "expires_on": "2030-01-01",
            "price": "1",
            "method": "card",
        },
        follow=True,
    )
    assert "A voucher is paid in full: 200.00." in response.content.decode()
    assert not GiftVoucher.objects.filter(sold_to=office.bea).exists()
    response = clients[FRONTDESK].post(
        f"/office/customers/{office.bea.id}/sell-voucher/",
        {
            "product": str(office.product.id),
            "expires_on": "2030-01-01",
            "price": str(office.product.price),
            "method": "cash",
        },
        follow=True,
    )
    voucher = GiftVoucher.objects.get(sold_to=office.bea)
    assert f"Voucher sold: {voucher.code}" in response.content.decode()
    assert voucher.payments.get().amount == office.product.price


def test_extending_all_live_passes_says_how_many_first(clients, office):
    live = Pass.objects.filter(voided_at__isnull=True, expires_at__gte=clock.now()).count()
    page = clients[MANAGER].get("/office/passes/extend/").content.decode()
    assert f'<strong id="live-count">{live}</strong>' in page
    before = fingerprint()
    bad = clients[MANAGER].post("/office/passes/extend/", {"days": "400", "reason": "x"})
    assert bad.status_code == 422 and fingerprint() == before
    done = clients[MANAGER].post(
        "/office/passes/extend/", {"days": "3", "reason": "boiler broke"}, follow=True
    )
    assert f"{live} live passes extended by 3 days." in done.content.decode()


def test_the_desk_refuses_an_overpayment_unless_the_excess_goes_on_credit(office, clients):
    from passbook.services import credit

    path = f"/office/passes/{office.pass_ada.id}/payments/"  # 5.00 owed
    before = credit.balance(office.ada)
    refused = clients["frontdesk"].post(path, {"amount": "20", "method": "cash"})
    assert "5.00 is owed" in refused.content.decode()
    taken = clients["frontdesk"].post(
        path, {"amount": "20", "method": "cash", "excess_to_credit": "on"}
    )
    assert taken.status_code == 302
    office.pass_ada.refresh_from_db()
    assert office.pass_ada.amount_paid == 200 and credit.balance(office.ada) == before + 15
    from passbook.web.office.forms import TakePaymentForm

    methods = [value for value, _label in TakePaymentForm().fields["method"].choices]
    assert "account_credit" not in methods and "voucher" not in methods


def test_raising_a_products_priority_offers_it_to_the_passes_already_sold(office, clients):
    manager = clients["manager"]
    path = f"/office/catalog/products/{office.product.id}/"
    form = manager.get(path).context["form"]
    saved = manager.post(path, {**_form_data(form), "priority": "4"})
    assert saved.status_code == 302 and saved["Location"] == path  # back, to offer it
    offer = manager.get(path).content.decode()
    assert 'id="stale-priority"' in offer and "priority 4" in offer
    manager.post(f"/office/catalog/products/{office.product.id}/apply-priority/")
    office.pass_ada.refresh_from_db()
    assert office.pass_ada.priority == 4
    assert 'id="stale-priority"' not in manager.get(path).content.decode()


def _form_data(form) -> dict:
    """What a browser would send back for an unchanged model form."""
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is None or value is False:
            continue
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = value
    return data


def test_the_roster_says_when_check_in_opens_and_offers_no_show_only_once_started(clients, office):
    from passbook.services import bookings
    from tests.factories import SessionFactory

    later = SessionFactory(class_type=office.yoga, starts_at=clock.now() + timedelta(days=6))
    booking = bookings.book(office.bea.id, later.id, paid_by="drop_in")
    roster = clients[FRONTDESK].get(f"/office/sessions/{later.id}/").content.decode()
    assert "Check-in opens" in roster and ">Check in<" not in roster and "No-show" not in roster
    refused = clients[FRONTDESK].post(f"/office/bookings/{booking.id}/check-in/", follow=True)
    assert "Check-in opens on" in refused.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == "booked"
    with clock.at(later.starts_at + timedelta(minutes=1)):
        roster = clients[FRONTDESK].get(f"/office/sessions/{later.id}/").content.decode()
    assert ">Check in<" in roster and ">No-show<" in roster


def test_the_desk_adds_a_customer_and_is_warned_about_one_already_on_file(clients, office):
    desk = clients[FRONTDESK]
    added = desk.post("/office/customers/new/", {"first_name": "Noor", "phone": "0770 090 0123"})
    noor = Customer.objects.get(first_name="Noor")
    assert added.status_code == 302 and added["Location"] == f"/office/customers/{noor.id}/"
    again = desk.post("/office/customers/new/", {"first_name": "Nour", "phone": "07700900123"})
    page = again.content.decode()
    assert again.status_code == 422 and f'href="/office/customers/{noor.id}/"' in page
    assert "add this person anyway" in page
    assert not Customer.objects.filter(first_name="Nour").exists()
    desk.post(
        "/office/customers/new/",
        {"first_name": "Nour", "phone": "07700900123", "even_if_on_file": "on"},
    )
    assert Customer.objects.filter(first_name="Nour").exists()


def test_a_drop_in_is_paid_on_the_roster_and_shows_in_the_customers_payments(clients, office):
    from passbook.services import bookings

    booking = bookings.book(office.bea.id, office.session.id, paid_by="drop_in")
    desk = clients[FRONTDESK]
    roster = f"/office/sessions/{office.session.id}/"
    assert "Take payment" in desk.get(roster).content.decode()
    too_much = desk.post(
        f"/office/bookings/{booking.id}/payments/", {"amount": "30", "method": "cash"}, follow=True
    )
    assert "25.00 is owed on this drop-in" in too_much.content.decode()
    paid = desk.post(
        f"/office/bookings/{booking.id}/payments/",
        {"amount": "25", "method": "card", "next": roster},
    )
    assert paid["Location"] == roster
    row = desk.get(roster).content.decode()
    assert "Take payment" not in row and "Paid" in row
    customer_page = desk.get(f"/office/customers/{office.bea.id}/").content.decode()
    assert "Drop-in: Vinyasa" in customer_page


def test_the_roster_picker_finds_customers_and_the_schedule_shows_how_full(clients, office):
    desk = clients[FRONTDESK]
    found = desk.get(f"/office/sessions/{office.session.id}/?find=bea").content.decode()
    assert f'<option value="{office.bea.id}"' in found
    assert f'<option value="{office.ada.id}"' not in found
    assert "This field is required" not in found
    week = desk.get(f"/office/schedule/?week={office.session.starts_at:%Y-%m-%d}").content
    assert "1/10 booked" in week.decode()  # Ada


def test_staff_see_which_sessions_are_private_appointments(clients, office):
    from tests.factories import SessionFactory

    appointment = SessionFactory(class_type=office.yoga, private=True, capacity=1)
    desk = clients[FRONTDESK]
    assert "Private" in desk.get(f"/office/sessions/{appointment.id}/").content.decode()
    week = desk.get(f"/office/schedule/?week={appointment.starts_at:%Y-%m-%d}").content.decode()
    assert "Private</span>" in week


def test_no_template_comment_spans_lines():
    """Django's {# #} comments are one line only: a longer one shows on the page."""
    import re
    from pathlib import Path

    import passbook

    templates = Path(passbook.__file__).parent / "templates"
    leaking = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if any("\n" in m for m in re.findall(r"\{#(.*?)#\}", path.read_text(), re.S))
    ]
    assert leaking == []
