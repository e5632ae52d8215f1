"""Back-office forms. They validate input; the services decide and write."""

from decimal import Decimal

from django import forms

from passbook.models import (
    Booking,
    Business,
    ClassType,
    Customer,
    PassProduct,
    Payment,
    Plan,
    Resource,
    Session,
    Staff,
    User,
)
from passbook.queries import customers_matching
from passbook.rules.money import PaymentStatus
from passbook.rules.status import PassStatus
from passbook.services.payments import NOT_BY_HAND
from passbook.web.fields import DayField

CREDITS = 8  # digits in all, as the models store credits
MONEY = 12  # digits in all, as the models store money


def decimal_field(
    digits: int,
    min_value: Decimal | int,
    *,
    required: bool = True,
    label: str | None = None,
    help_text: str = "",
) -> forms.DecimalField:
    """Credits or money: `digits` in all, two of them after the point."""
    return forms.DecimalField(
        min_value=min_value,
        max_digits=digits,
        decimal_places=2,
        required=required,
        label=label,
        help_text=help_text,
    )


DATE = forms.DateInput(attrs={"type": "date"})


class Form(forms.Form):
    """Bootstrap classes on every widget, so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input d-block"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("rows", 3)
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
    total = decimal_field(CREDITS, 0, label="Total sessions", help_text="0 = unlimited")
    reason = forms.CharField(required=False, max_length=300)


class PriorityForm(Form):
    priority = forms.IntegerField(
        min_value=-100, max_value=100, help_text="Higher pays first, before older passes"
    )
    reason = forms.CharField(max_length=200)


class ValidityForm(Form):
    starts_on = DayField(required=False, widget=DATE, label="Starts")
    expires_on = DayField(required=False, widget=DATE, label="Valid until")
    reason = forms.CharField(required=False, max_length=300)


class TopUpForm(Form):
    amount = decimal_field(CREDITS, Decimal("0.01"), label="Sessions to add")
    reason = forms.CharField(max_length=300, initial="top-up")


class VoidForm(Form):
    reason = forms.CharField(max_length=300)


class AddSessionForm(Form):
    on = DayField(widget=DATE, label="Date")
    at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="Time")
    class_type = forms.ModelChoiceField(queryset=ClassType.objects.all(), label="Service")
    staff = forms.ModelChoiceField(queryset=Staff.objects.filter(active=True), required=False)
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.all(), required=False, label="Room or resource"
    )


# Money staff take by hand; account credit and vouchers pay through their own forms.
MONEY_METHODS = [(v, label) for v, label in Payment.Method.choices if v not in NOT_BY_HAND]


class PaymentForm(Form):
    amount = decimal_field(MONEY, Decimal("0.01"))
    method = forms.ChoiceField(choices=MONEY_METHODS)
    received_on = DayField(required=False, widget=DATE, label="Date", help_text="Empty = now")
    note = forms.CharField(required=False, max_length=300)


class OnlineRefundForm(Form):
    """Refund through Stripe, to the card that paid (recorded when Stripe confirms)."""

    amount = decimal_field(MONEY, Decimal("0.01"))


class TakePaymentForm(PaymentForm):
    excess_to_credit = forms.BooleanField(
        required=False,
        label="Put anything over the balance due on the customer's account credit",
    )


def _session_label(starts_at, class_name: str) -> str:
    return f"{starts_at.astimezone(Business.current().tz):%a %d %b %H:%M} {class_name}"


class _SessionLabels(forms.models.ModelChoiceIterator):
    """(id, label) pairs read straight from the database: a busy studio has hundreds of
    sessions in the next weeks, and a model object for each made the page slow."""

    def __iter__(self):
        rows = self.queryset.values_list("id", "starts_at", "class_type__name")
        for pk, starts_at, name in rows:
            yield str(pk), _session_label(starts_at, name)


class SessionChoice(forms.ModelMultipleChoiceField):
    """Upcoming sessions as checkboxes (the office sell form, the portal buy form)."""

    iterator = _SessionLabels


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
    paid = decimal_field(MONEY, 0, required=False, label="Paid now")
    method = forms.ChoiceField(choices=MONEY_METHODS, initial="card")

    def __init__(self, *args, upcoming=None, **kwargs):
        super().__init__(*args, **kwargs)
        if upcoming is not None:
            self.fields["sessions"].queryset = upcoming


class AddToSessionForm(Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.all())

    def __init__(self, *args, find: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if find:  # list only those searched for; a choice sent is still checked against all
            field = self.fields["customer"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = customers_matching(find)


class BookingFilterForm(Form):
    on = DayField(required=False, widget=DATE, label="Date")
    session = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    q = forms.CharField(required=False, max_length=100, label="Customer")
    status = forms.ChoiceField(
        required=False, label="Status", choices=[("", "Any status"), *Booking.Status.choices]
    )


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class SessionForm(Form):
    class_type = forms.ModelChoiceField(queryset=ClassType.objects.all(), label="Class")
    on = DayField(widget=DATE, label="Date")
    at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="Time")
    staff = forms.ModelChoiceField(queryset=Staff.objects.filter(active=True), required=False)
    resource = forms.ModelChoiceField(queryset=Resource.objects.all(), required=False, label="Room")
    capacity = forms.IntegerField(
        required=False, min_value=1, max_value=10_000, help_text="Empty = the class's default"
    )
    repeat_on = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        label="Repeat weekly on",
        widget=forms.CheckboxSelectMultiple,
    )
    until = DayField(required=False, widget=DATE, label="Repeat until")

    def clean(self):
        data = super().clean()
        if data.get("repeat_on") and not data.get("until"):
            self.add_error("until", "Give the last date of the series.")
        return data


class CancelSessionForm(Form):
    reason = forms.CharField(max_length=300, required=False)


class PlacesForm(Form):
    """A session's places: how many may book, how many may wait when it is full."""

    capacity = forms.IntegerField(min_value=1, max_value=10_000)
    waitlist_capacity = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1000,
        label="Waitlist capacity",
    )


class CreditForm(Form):
    amount = decimal_field(MONEY, Decimal("0.01"))
    reason = forms.CharField(max_length=300)


class VoucherCodeForm(Form):
    code = forms.CharField(max_length=20, label="Voucher code")


class SubscribeForm(Form):
    plan: "forms.ModelChoiceField[Plan]" = forms.ModelChoiceField(queryset=None, label="Plan")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.filter(active=True)


class FreezeForm(Form):
    starts_on = DayField(widget=DATE, label="From")
    ends_on = DayField(widget=DATE, label="To (inclusive)")
    reason = forms.CharField(max_length=200)


class ExtendAllForm(Form):
    days = forms.IntegerField(min_value=1, max_value=366, label="Days to add")
    reason = forms.CharField(max_length=200, help_text="Kept in every pass's history")


class PayWithCreditForm(Form):
    amount = decimal_field(MONEY, Decimal("0.01"), label="Amount from credit")


class VoucherForm(Form):
    value = decimal_field(
        MONEY, Decimal("0.01"), required=False, help_text="An amount, or choose a pass below"
    )
    product = forms.ModelChoiceField(
        queryset=PassProduct.objects.filter(archived=False), required=False, label="Pass"
    )
    expires_on = DayField(widget=DATE)
    note = forms.CharField(max_length=300, required=False, help_text="e.g. who it is for")


class VoucherSaleForm(VoucherForm):
    """A voucher this customer buys (often as a gift), paid in full now."""

    price = decimal_field(
        MONEY,
        Decimal("0.01"),
        label="Amount paid",
        help_text="In full: the value, or the pass's price",
    )
    method = forms.ChoiceField(choices=MONEY_METHODS, label="Paid by")


class RoleForm(Form):
    role = forms.ChoiceField(choices=User.Role.choices)


class StaffLoginForm(Form):
    email = forms.EmailField(max_length=150, help_text="They sign in with it")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=User.Role.choices, initial=User.Role.FRONTDESK)
    password = forms.CharField(
        required=False,
        label="First password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to email them an invitation to choose their own",
    )


class NewCustomerForm(Form, forms.ModelForm):
    even_if_on_file = forms.BooleanField(
        required=False, label="Someone else has this email or phone: add this person anyway"
    )

    class Meta:
        model = Customer
        fields = ["first_name", "last_name", "email", "phone", "notes"]


class DropInPaymentForm(Form):
    amount = decimal_field(MONEY, Decimal("0.01"))
    method = forms.ChoiceField(choices=MONEY_METHODS)
