"""Back-office forms. They validate input; the services decide and write."""

from decimal import Decimal

from django import forms

from passbook.models import (
    Business,
    ClassType,
    Customer,
    PassProduct,
    Payment,
    Resource,
    Session,
    Staff,
)
from passbook.rules.money import PaymentStatus
from passbook.rules.status import PassStatus

CREDITS = {"max_digits": 8, "decimal_places": 2}
MONEY = {"max_digits": 12, "decimal_places": 2}
DATE = forms.DateInput(attrs={"type": "date"})


class Form(forms.Form):
    """Bootstrap classes on every widget, so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class PassFilterForm(Form):
    q = forms.CharField(required=False, label="Customer", max_length=100)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status")] + [(s.value, s.label) for s in PassStatus]
    )
    product = forms.ModelChoiceField(
        required=False, queryset=PassProduct.objects.all(), empty_label="Any pass"
    )
    payment = forms.ChoiceField(
        required=False, choices=[("", "Any payment")] + [(s.value, s.label) for s in PaymentStatus]
    )
    expiring_within = forms.IntegerField(
        required=False, min_value=0, max_value=3650, label="Expiring within (days)"
    )


class TotalForm(Form):
    total = forms.DecimalField(
        min_value=0, **CREDITS, label="Total sessions", help_text="0 = unlimited"
    )
    reason = forms.CharField(required=False, max_length=300)


class ValidityForm(Form):
    starts_on = forms.DateField(required=False, widget=DATE, label="Starts")
    expires_on = forms.DateField(required=False, widget=DATE, label="Valid until")
    reason = forms.CharField(required=False, max_length=300)


class TopUpForm(Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), **CREDITS, label="Sessions to add")
    reason = forms.CharField(max_length=300, initial="top-up")


class VoidForm(Form):
    reason = forms.CharField(max_length=300)


class AddSessionForm(Form):
    on = forms.DateField(widget=DATE, label="Date")
    at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="Time")
    class_type = forms.ModelChoiceField(queryset=ClassType.objects.all(), label="Service")
    staff = forms.ModelChoiceField(queryset=Staff.objects.filter(active=True), required=False)
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.all(), required=False, label="Room or resource"
    )


class PaymentForm(Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), **MONEY)
    method = forms.ChoiceField(choices=Payment.Method.choices)
    received_on = forms.DateField(
        required=False, widget=DATE, label="Date", help_text="Empty = now"
    )
    note = forms.CharField(required=False, max_length=300)


class SessionChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Session) -> str:
        local = obj.starts_at.astimezone(Business.current().tz)
        return f"{local:%a %d %b %H:%M} {obj.class_type}"


class SellForm(Form):
    product = forms.ModelChoiceField(
        queryset=PassProduct.objects.filter(archived=False), label="Pass"
    )
    sessions = SessionChoice(
        queryset=Session.objects.none(),
        required=False,
        label="Book sessions now",
        widget=forms.CheckboxSelectMultiple,
    )
    paid = forms.DecimalField(min_value=0, **MONEY, required=False, label="Paid now")
    method = forms.ChoiceField(choices=Payment.Method.choices, initial="card")

    def __init__(self, *args, upcoming=None, **kwargs):
        super().__init__(*args, **kwargs)
        if upcoming is not None:
            self.fields["sessions"].queryset = upcoming


class AddToSessionForm(Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.all())
