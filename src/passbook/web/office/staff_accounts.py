"""Staff accounts (owners only): the logins to the back office, their roles, and who may
still sign in."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from passbook.models import User
from passbook.services import staff as staff_logins
from passbook.web.office.common import StaffRequest, staff
from passbook.web.office.forms import RoleForm, StaffLoginForm
from passbook.web.refusals import attempt
from passbook.web.resets import password_link

OWNER = User.Role.OWNER


@staff(OWNER)
def staff_list(request: StaffRequest) -> HttpResponse:
    """Every staff login with its role and state; the form to add one."""
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and attempt(
        request,
        form,
        lambda: staff_logins.add(
            **form.cleaned_data, invite_link=password_link(request), actor=request.user
        ),
        _added,
    ):
        return redirect("office:staff")
    logins = User.objects.exclude(role="").order_by("-is_active", "username")
    rows = [
        (login, RoleForm(initial={"role": login.role}, auto_id=f"id_%s_{login.pk}"))
        for login in logins
    ]
    return render(
        request,
        "office/staff_accounts.html",
        {"form": form, "rows": rows},
        status=422 if form.errors else 200,
    )


def _added(user: User) -> str:
    how = (
        "They can sign in with the password you gave."
        if user.has_usable_password()
        else "They have been emailed a link to choose their password."
    )
    return f"Added {user.username} as {user.get_role_display().lower()}. {how}"


@require_POST
@staff(OWNER)
def change_role(request: StaffRequest, pk: int) -> HttpResponse:
    form = RoleForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            None,
            lambda: staff_logins.change_role(pk, form.cleaned_data["role"], actor=request.user),
            lambda user: f"{user.username} is now {user.get_role_display().lower()}.",
        )
    else:
        messages.error(request, "Choose a role: owner, manager or front desk.")
    return _onward(request)


# action: (what it does, what it says when done)
ACTIONS: dict[str, tuple[Callable[[StaffRequest, int], User], str]] = {
    "deactivate": (
        lambda request, pk: staff_logins.deactivate(pk, actor=request.user),
        "{} is deactivated: signed out everywhere, API tokens revoked.",
    ),
    "reactivate": (
        lambda request, pk: staff_logins.reactivate(pk, actor=request.user),
        "{} can sign in again.",
    ),
    "invite": (
        lambda request, pk: staff_logins.invite(pk, password_link(request), actor=request.user),
        "{} has been emailed a new link to choose a password.",
    ),
}


@require_POST
@staff(OWNER)
def login_action(request: StaffRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action.")
    act, done = ACTIONS[action]
    attempt(request, None, lambda: act(request, pk), lambda user: done.format(user.username))
    return _onward(request)


def _onward(request: StaffRequest) -> HttpResponse:
    """Back to the list, unless the owner just took that power from themselves."""
    still_owner = User.objects.filter(pk=request.user.pk, is_active=True, role=OWNER).exists()
    return redirect("office:staff" if still_owner else "office:home")
