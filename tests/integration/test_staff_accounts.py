"""Staff logins: an owner adds them (with a first password, or an invitation to choose
one by email), changes their roles, deactivates and reactivates them, and the studio always
keeps an active owner. The first owner comes from `passbook create-owner`, and
`createsuperuser` makes owners."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from passbook.models import ApiToken, Notification, User
from passbook.services import staff
from tests.integration.helpers import fingerprint, refused

PASSWORD = "correct horse battery staple"


def invite_link(user: User) -> str:
    return f"https://studio.example/office/reset/{user.pk}/token/"


@pytest.fixture
def owner(business) -> User:
    return staff.add(email="olive@example.com", role="owner", password=PASSWORD)


@pytest.fixture
def kim(owner) -> User:
    return staff.add(email="kim@example.com", role="manager", password=PASSWORD, actor=owner)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


# Adding a login


def test_a_login_added_with_a_first_password_can_sign_in_with_its_email(owner):
    added = staff.add(
        email=" Kim@Example.com ",
        role="frontdesk",
        first_name="Kim",
        last_name="Lee",
        password=PASSWORD,
        actor=owner,
    )
    assert (added.username, added.email, added.role) == ("kim@example.com",) * 2 + ("frontdesk",)
    assert added.get_full_name() == "Kim Lee" and added.is_active
    assert fresh(added).check_password(PASSWORD)
    assert not Notification.objects.exists()


def test_a_login_added_without_a_password_is_emailed_an_invitation_to_choose_one(owner):
    added = staff.add(email="kim@example.com", role="manager", invite_link=invite_link)
    assert not fresh(added).has_usable_password()
    [message] = Notification.objects.all()
    assert (message.kind, message.to, message.customer) == ("staff_invite", "kim@example.com", None)
    assert invite_link(added) in message.body and "manager login" in message.body


def test_a_first_password_wins_over_an_invitation(owner):
    added = staff.add(
        email="kim@example.com", role="manager", password=PASSWORD, invite_link=invite_link
    )
    assert fresh(added).check_password(PASSWORD) and not Notification.objects.exists()


@pytest.mark.parametrize("email", ["olive@example.com", " OLIVE@example.COM"])
def test_an_email_that_already_has_a_login_is_refused(owner, email):
    with refused("already_exists") as info:
        staff.add(email=email, role="manager", password=PASSWORD)
    assert info.value.details["field"] == "email"


def test_the_email_of_a_customers_portal_login_is_refused_too(business):
    User.objects.create_user("ava@example.com", email="ava@example.com")
    with refused("already_exists"):
        staff.add(email="ava@example.com", role="frontdesk", password=PASSWORD)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "admin"}, "role"),
        ({"role": ""}, "role"),
        ({"email": "kim at example"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "12345678"}, "password"),
        ({"password": "kim@example.com"}, "password"),
        ({"password": ""}, "password"),  # and no invitation either
    ],
)
def test_invalid_values_are_refused_beside_their_field(owner, change, field):
    with refused("invalid_input") as info:
        staff.add(**{"email": "kim@example.com", "role": "manager", "password": PASSWORD} | change)
    assert info.value.details["field"] == field


# Roles


def test_an_owner_changes_a_staff_members_role_and_the_change_is_logged(owner, kim, caplog):
    assert staff.change_role(kim.id, "frontdesk", actor=owner).role == "frontdesk"
    assert fresh(kim).role == "frontdesk"
    assert "kim@example.com: role changed to frontdesk, by olive@example.com" in caplog.text


def test_an_unknown_role_is_refused(owner, kim):
    with refused("invalid_input"):
        staff.change_role(kim.id, "boss", actor=owner)


def test_the_last_active_owner_cannot_step_down(owner):
    with refused("last_owner"):
        staff.change_role(owner.id, "manager", actor=owner)


def test_with_a_second_owner_the_first_may_step_down(owner, kim):
    staff.change_role(kim.id, "owner", actor=owner)
    staff.change_role(owner.id, "frontdesk", actor=owner)
    assert [u.username for u in User.objects.filter(role="owner")] == ["kim@example.com"]


def test_a_deactivated_owner_does_not_count_as_the_studios_owner(owner, kim):
    staff.change_role(kim.id, "owner", actor=owner)
    staff.deactivate(kim.id, actor=owner)
    with refused("last_owner"):
        staff.change_role(owner.id, "manager", actor=owner)


def test_only_staff_logins_are_managed_here(owner):
    customer_login = User.objects.create_user("ava@example.com", email="ava@example.com")
    with refused("not_found"):
        staff.change_role(customer_login.id, "owner", actor=owner)
    with refused("not_found"):
        staff.deactivate(10_000, actor=owner)


# Deactivating and reactivating


def test_deactivating_a_login_stops_it_and_revokes_its_api_tokens(owner, kim):
    token, raw = ApiToken.issue(kim, "manager")
    staff.deactivate(kim.id, actor=owner)
    kim = fresh(kim)
    assert not kim.is_active and kim.deactivated_at is not None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert ApiToken.find(raw) is None


def test_deactivating_it_again_changes_nothing(owner, kim):
    first = staff.deactivate(kim.id, actor=owner).deactivated_at
    assert staff.deactivate(kim.id, actor=owner).deactivated_at == first


def test_the_last_active_owner_cannot_be_deactivated(owner, kim):
    with refused("last_owner"):
        staff.deactivate(owner.id, actor=owner)
    staff.change_role(kim.id, "owner", actor=owner)
    staff.deactivate(owner.id, actor=kim)
    assert not fresh(owner).is_active


def test_a_reactivated_login_signs_in_with_its_role_and_password_but_not_its_old_tokens(owner, kim):
    _token, raw = ApiToken.issue(kim, "manager")
    staff.deactivate(kim.id, actor=owner)
    kim = staff.reactivate(kim.id, actor=owner)
    assert fresh(kim).is_active and kim.role == "manager" and fresh(kim).check_password(PASSWORD)
    assert ApiToken.find(raw) is None


# Invitations again


def test_an_invitation_can_be_sent_again(owner):
    added = staff.add(email="kim@example.com", role="frontdesk", invite_link=invite_link)
    staff.invite(added.id, invite_link, actor=owner)
    assert Notification.objects.filter(kind="staff_invite", to="kim@example.com").count() == 2


def test_a_deactivated_login_gets_no_invitation(owner, kim):
    staff.deactivate(kim.id, actor=owner)
    with refused("invalid_input"):
        staff.invite(kim.id, invite_link, actor=owner)


# The first owner, and superusers


def test_create_owner_makes_the_first_owner_from_the_command_line(business):
    out = StringIO()
    call_command("create-owner", "--email", "Olive@Example.com", "--password", PASSWORD, stdout=out)
    owner = User.objects.get(username="olive@example.com")
    assert owner.role == "owner" and owner.is_active and owner.check_password(PASSWORD)
    assert "olive@example.com" in out.getvalue()


def test_create_owner_reads_the_password_from_the_environment(business, monkeypatch):
    monkeypatch.setenv("PASSBOOK_OWNER_PASSWORD", PASSWORD)
    call_command("create-owner", "--email", "olive@example.com", stdout=StringIO())
    assert User.objects.get(username="olive@example.com").check_password(PASSWORD)


def test_create_owner_without_a_password_says_where_to_give_it(business, monkeypatch):
    monkeypatch.delenv("PASSBOOK_OWNER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="PASSBOOK_OWNER_PASSWORD"):
        call_command("create-owner", "--email", "olive@example.com")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--email", "olive@example.com", "--password", PASSWORD], "already_exists"),
        (["--email", "kim@example.com", "--password", "password"], "invalid_input"),
    ],
)
def test_create_owner_refusals_are_one_line_and_exit_status_1(owner, args, code):
    before = fingerprint()
    with pytest.raises(CommandError) as info:
        call_command("create-owner", *args)
    assert info.value.returncode == 1 and str(info.value).endswith(f"[{code}]")
    assert fingerprint() == before


def test_createsuperuser_makes_an_owner(business, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser",
        interactive=False,
        username="root",
        email="root@example.com",
        stdout=StringIO(),
    )
    assert User.objects.get(username="root").role == "owner"


def test_superusers_made_before_are_made_owners_by_the_migration(business):
    earlier = User.objects.create(username="root", password="!", is_superuser=True)
    migration = importlib.import_module("passbook.migrations.0017_staff_accounts")
    migration.superusers_are_owners(apps, None)
    assert fresh(earlier).role == "owner"
