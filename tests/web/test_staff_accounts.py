"""The Staff accounts page: owners add logins (with a first password, or an invitation by
email), change roles, deactivate and reactivate; a deactivated login is signed out at
once, in the browser and in the API. Every refused request changes nothing and says why."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from passbook.models import ApiToken, User
from passbook.services import notifications
from tests.integration.helpers import fingerprint
from tests.web.conftest import PASSWORD

FRONTDESK, MANAGER, OWNER = "frontdesk", "manager", "owner"
NEW_PASSWORD = "a long and new passphrase"


def login(username: str) -> User:
    return User.objects.get(username=username)


def signed_in(username: str, password: str = PASSWORD) -> Client:
    """A browser signed in through the login page, as a person would."""
    client = Client()
    response = client.post("/office/login/", {"username": username, "password": password})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return client


def token_client(user: User) -> Client:
    _token, raw = ApiToken.issue(user, user.role)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def page_after(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.content.decode()


# Who may


@pytest.mark.parametrize(("role", "status"), [(FRONTDESK, 403), (MANAGER, 403), (OWNER, 200)])
def test_only_owners_open_the_page_and_see_it_in_the_menu(clients, role, status):
    assert clients[role].get("/office/staff/").status_code == status
    menu = clients[role].get("/office/passes/").content.decode()
    assert ('href="/office/staff/"' in menu) == (role == OWNER)


def test_signed_out_visitors_are_sent_to_the_login_page(clients):
    response = clients["anonymous"].get("/office/staff/")
    assert response.status_code == 302 and "/office/login/" in response["Location"]


@pytest.mark.parametrize("role", ["anonymous", FRONTDESK, MANAGER])
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/office/staff/", {"email": "kim@example.com", "role": OWNER, "password": NEW_PASSWORD}),
        ("/office/staff/{frontdesk}/role/", {"role": OWNER}),
        ("/office/staff/{owner}/deactivate/", {}),
        ("/office/staff/{owner}/invite/", {}),
    ],
)
def test_no_one_but_an_owner_can_change_staff_accounts(clients, role, path, data):
    ids = {name: login(name).id for name in (FRONTDESK, OWNER)}
    before = fingerprint()
    response = clients[role].post(path.format(**ids), data)
    assert response.status_code in {302, 403}
    if response.status_code == 302:
        assert "/office/login/" in response["Location"]
    assert fingerprint() == before


# The list


def test_the_page_lists_every_staff_login_with_its_role_and_state(clients, office):
    User.objects.create_user("ava@example.com", email="ava@example.com")  # a customer's
    staff_only = User.objects.exclude(role="")
    page = clients[OWNER].get("/office/staff/").content.decode()
    for user in staff_only:
        row = re.search(rf'<tr id="login-{user.id}">.*?</tr>', page, re.S)
        assert row and user.username in row[0] and "Active" in row[0]
        assert re.search(rf'<option value="{user.role}" selected>', row[0])
    assert "ava@example.com" not in page


# Adding a login


def test_an_owner_adds_a_login_with_a_first_password_and_it_signs_in_at_once(clients, office):
    response = clients[OWNER].post(
        "/office/staff/",
        {
            "email": "Kim@example.com",
            "first_name": "Kim",
            "role": FRONTDESK,
            "password": NEW_PASSWORD,
        },
        follow=True,
    )
    assert "Added kim@example.com as front desk" in response.content.decode()
    kim = signed_in("kim@example.com", NEW_PASSWORD)
    assert kim.get("/office/passes/").status_code == 200
    assert kim.get("/office/bookings/").status_code == 200
    assert kim.get("/office/catalog/").status_code == 403


def test_an_invited_login_chooses_its_password_from_the_emailed_link(clients, office, mailoutbox):
    response = clients[OWNER].post(
        "/office/staff/", {"email": "kim@example.com", "role": MANAGER}, follow=True
    )
    assert "emailed a link to choose their password" in response.content.decode()
    assert "Invited, no password yet" in response.content.decode()
    notifications.deliver()
    [mail] = [m for m in mailoutbox if m.to == ["kim@example.com"]]
    link = re.search(r"https?://\S+/office/reset/\S+/", mail.body)[0]
    browser = Client()
    form = browser.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    chosen = browser.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert chosen.status_code == 302 and chosen["Location"] == "/office/login/"
    assert signed_in("kim@example.com", NEW_PASSWORD).get("/office/catalog/").status_code == 200
    assert browser.get(link, follow=True).context["validlink"] is False  # once only


def test_the_invitation_can_be_sent_again(clients, office):
    clients[OWNER].post("/office/staff/", {"email": "kim@example.com", "role": MANAGER})
    kim = login("kim@example.com")
    response = clients[OWNER].post(f"/office/staff/{kim.id}/invite/", follow=True)
    assert "has been emailed a new link" in response.content.decode()
    assert response.redirect_chain[-1][0] == "/office/staff/"


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"email": "manager@example.com", "role": MANAGER}, "email", "already has this email"),
        ({"email": "kim@example", "role": MANAGER}, "email", "valid email"),
        ({"email": "kim@example.com", "role": "root"}, "role", "valid choice"),
        (
            {"email": "kim@example.com", "role": MANAGER, "password": "password"},
            "password",
            "too common",
        ),
    ],
)
def test_a_refused_login_is_explained_beside_its_field_and_adds_nothing(
    clients, office, data, field, says
):
    before = fingerprint()
    response = clients[OWNER].post("/office/staff/", data)
    page = response.content.decode()
    assert response.status_code == 422
    assert re.search(rf'data-error-for="{field}">[^<]*{says}', page), page
    assert fingerprint() == before


# Changing a role


def test_an_owner_changes_a_role(clients, office):
    manager = login(MANAGER)
    response = clients[OWNER].post(f"/office/staff/{manager.id}/role/", {"role": FRONTDESK})
    assert response.status_code == 302 and response["Location"] == "/office/staff/"
    assert login(MANAGER).role == FRONTDESK
    assert clients[MANAGER].get("/office/catalog/").status_code == 403


@pytest.mark.parametrize(
    ("who", "data", "says"),
    [
        (OWNER, {"role": MANAGER}, "must keep an active owner"),
        (MANAGER, {"role": "root"}, "Choose a role"),
        (MANAGER, {}, "Choose a role"),
    ],
)
def test_a_refused_role_change_says_why_and_changes_nothing(clients, office, who, data, says):
    before = fingerprint()
    response = clients[OWNER].post(f"/office/staff/{login(who).id}/role/", data, follow=True)
    assert says in response.content.decode()
    assert fingerprint() == before


def test_an_owner_who_hands_over_and_steps_down_goes_back_to_the_desk(clients, office):
    clients[OWNER].post(f"/office/staff/{login(MANAGER).id}/role/", {"role": OWNER})
    response = clients[OWNER].post(f"/office/staff/{login(OWNER).id}/role/", {"role": MANAGER})
    assert response["Location"] == "/office/"
    assert clients[OWNER].get("/office/staff/").status_code == 403


# Deactivating


def test_a_deactivated_login_is_signed_out_at_once_and_its_api_token_stops(clients, office):
    api = token_client(login(MANAGER))
    assert api.get("/api/v1/bookings").status_code == 200
    assert clients[MANAGER].get("/office/passes/").status_code == 200

    response = clients[OWNER].post(f"/office/staff/{login(MANAGER).id}/deactivate/", follow=True)
    assert "manager is deactivated" in response.content.decode()

    again = clients[MANAGER].get("/office/passes/")
    assert again.status_code == 302 and again["Location"].startswith("/office/login/")
    assert api.get("/api/v1/bookings").status_code == 401
    assert (
        Client().post("/office/login/", {"username": MANAGER, "password": PASSWORD}).status_code
        == 200
    )


def test_reactivating_lets_the_login_sign_in_again_but_not_with_its_old_session(clients, office):
    manager = login(MANAGER)
    clients[OWNER].post(f"/office/staff/{manager.id}/deactivate/")
    response = clients[OWNER].post(f"/office/staff/{manager.id}/reactivate/", follow=True)
    assert "manager can sign in again" in response.content.decode()
    assert clients[MANAGER].get("/office/passes/").status_code == 302
    assert signed_in(MANAGER).get("/office/catalog/").status_code == 200


def test_the_last_owner_cannot_be_deactivated(clients, office):
    before = fingerprint()
    response = clients[OWNER].post(f"/office/staff/{login(OWNER).id}/deactivate/", follow=True)
    assert "must keep an active owner" in response.content.decode()
    assert fingerprint() == before


def test_an_unknown_action_or_login_changes_nothing(clients, office):
    before = fingerprint()
    assert clients[OWNER].post(f"/office/staff/{login(MANAGER).id}/delete/").status_code == 404
    response = clients[OWNER].post("/office/staff/10000/deactivate/", follow=True)
    assert "No such staff login" in response.content.decode()
    assert fingerprint() == before


# Owners made outside the back office


def test_a_createsuperuser_user_can_open_the_back_office(business, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, username="root", email="root@example.com")
    root = signed_in("root")
    assert root.get("/office/passes/").status_code == 200
    assert root.get("/office/staff/").status_code == 200


def test_the_django_admin_user_form_has_the_role(business):
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    admin = Client()
    admin.force_login(root)
    assert 'name="role"' in admin.get(f"/admin/passbook/user/{root.id}/change/").content.decode()
    assert 'name="role"' in admin.get("/admin/passbook/user/add/").content.decode()
