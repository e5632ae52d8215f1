"""Catalog (pass products, categories, class types, rooms, staff) and studio settings."""

from django import forms as django_forms
from django.forms import modelform_factory
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passbook.models import (
    Business,
    Category,
    ClassType,
    PassProduct,
    Plan,
    Resource,
    Staff,
    User,
)
from passbook.rules.wording import counted
from passbook.services import passes, records
from passbook.web.office.common import StaffRequest, can, staff
from passbook.web.office.forms import DATE, Form
from passbook.web.refusals import attempt

MANAGER, OWNER = User.Role.MANAGER, User.Role.OWNER

# kind: (model, fields, role needed to edit, title)
CATALOG = {
    "products": (
        PassProduct,
        [
            "name",
            "description",
            "price",
            "credits",
            "validity_unit",
            "validity_count",
            "valid_until",
            "start_rule",
            "start_date",
            "categories",
            "class_types",
            "priority",
            "max_per_day",
            "max_per_week",
            "online_purchasable",
            "archived",
        ],
        MANAGER,
        "Pass products",
    ),
    "categories": (Category, ["name"], MANAGER, "Categories"),
    "class-types": (
        ClassType,
        ["name", "category", "duration_minutes", "capacity", "credit_cost", "drop_in_price"],
        MANAGER,
        "Class types",
    ),
    "resources": (Resource, ["name"], MANAGER, "Rooms and resources"),
    "plans": (
        Plan,
        ["name", "product", "interval", "price", "active"],
        MANAGER,
        "Subscription plans",
    ),
    "staff": (Staff, ["name", "email", "active"], OWNER, "Staff"),
}
WIDGETS = {
    "valid_until": DATE,
    "start_date": DATE,
    "categories": django_forms.CheckboxSelectMultiple,
    "class_types": django_forms.CheckboxSelectMultiple,
}


def _kind(kind: str):
    if kind not in CATALOG:
        raise Http404("No such catalog list.")
    return CATALOG[kind]


def _form_class(model, fields):
    return modelform_factory(
        model,
        form=type("CatalogForm", (Form, django_forms.ModelForm), {}),
        fields=fields,
        widgets={k: v for k, v in WIDGETS.items() if k in fields},
    )


@staff(MANAGER)
def catalog(request: StaffRequest, kind: str = "products") -> HttpResponse:
    model, fields, role, title = _kind(kind)
    return render(
        request,
        "office/catalog.html",
        {
            "kind": kind,
            "title": title,
            "kinds": CATALOG,
            "rows": model.objects.all(),
            "columns": [model._meta.get_field(f).verbose_name for f in fields[:4]],
            "fields": fields[:4],
            "can_edit": can(request.user, role),
        },
    )


@staff(MANAGER)
def catalog_edit(request: StaffRequest, kind: str, pk: int | None = None) -> HttpResponse:
    model, fields, role, title = _kind(kind)
    if not can(request.user, role):
        raise Http404("Not yours to edit.")
    record = get_object_or_404(model, pk=pk) if pk else model()
    form = _form_class(model, fields)(request.POST or None, instance=record)
    if request.method == "POST":
        links = (
            {
                f: [o.id for o in form.cleaned_data.get(f, [])]
                for f in fields
                if f in ("categories", "class_types")
            }
            if form.is_valid()
            else {}
        )
        if attempt(request, form, lambda: records.save(form.instance, {}, links), "Saved."):
            if isinstance(record, PassProduct) and _stale(record):
                return redirect("office:catalog_edit", kind=kind, pk=record.pk)  # to offer it
            return redirect("office:catalog", kind=kind)
    context = {"form": form, "kind": kind, "title": title, "record": record}
    if isinstance(record, PassProduct) and record.pk:
        context["stale"] = _stale(record)
    return render(request, "office/catalog_edit.html", context, status=422 if form.errors else 200)


def _stale(product: PassProduct) -> int:
    return passes.with_another_priority(product).count()


@require_POST
@staff(MANAGER)
def apply_priority(request: StaffRequest, pk: int) -> HttpResponse:
    """Give a product's priority to its live passes sold before it changed."""
    attempt(
        request,
        None,
        lambda: passes.apply_product_priority(pk, actor=request.user),
        lambda n: f"Priority applied to {counted(n, 'live pass', 'live passes')}.",
    )
    return redirect("office:catalog", kind="products")


class SettingsForm(Form, django_forms.ModelForm):
    class Meta:
        model = Business
        fields = [
            "name",
            "time_zone",
            "currency",
            "spend_order",
            "late_cancel_hours",
            "late_cancel_policy",
            "no_show_policy",
            "check_in_opens_minutes",
            "attendance_closes_hours",
            "waitlist_capacity",
            "waitlist_claim_minutes",
            "waitlist_holds_credit",
            "pay_at_desk",
            "payment_retry_days",
            "unpaid_passes_per_customer",
            "unpaid_pass_policy",
            "unpaid_pass_bookings",
        ]

    # Settings added since the first release: a form posted without them (an older page
    # still open, a script) keeps the studio's current value instead of failing.
    ADDED_LATER = ("waitlist_claim_minutes", "payment_retry_days", "unpaid_pass_policy")

    def __init__(self, data: QueryDict | None = None, *, instance: Business) -> None:
        if data is not None:
            data = data.copy()
            for name in self.ADDED_LATER:
                data.setdefault(name, getattr(instance, name))
        super().__init__(data, instance=instance)


@staff(OWNER)
def settings_page(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST or None, instance=Business.current())
    if request.method == "POST" and attempt(
        request, form, lambda: records.save(form.instance, {}), "Settings saved."
    ):
        return redirect("office:settings")
    return render(
        request, "office/settings.html", {"form": form}, status=422 if form.errors else 200
    )
