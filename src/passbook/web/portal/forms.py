from django import forms

from passbook.models import Category, PassProduct, Session
from passbook.web.fields import DayField
from passbook.web.office.forms import Form, SessionChoice


class SignUpForm(Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, max_length=128)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, max_length=128)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class TimetableFilter(Form):
    week = DayField(required=False)
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, empty_label="All classes"
    )


class BuyForm(Form):
    product = forms.ModelChoiceField(
        queryset=PassProduct.objects.filter(online_purchasable=True, archived=False),
        widget=forms.HiddenInput,
    )
    sessions = SessionChoice(
        queryset=Session.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Book these sessions now (optional)",
    )

    use_credit = forms.BooleanField(required=False, label="Pay with my account credit")
    pay_with = forms.ChoiceField(
        choices=[("card", "Card, online"), ("desk", "At the desk")],
        initial="card",
        widget=forms.RadioSelect,
        label="How to pay",
    )

    def __init__(self, *args, upcoming=None, has_credit=False, pay_choice=False, **kwargs):
        super().__init__(*args, **kwargs)
        if upcoming is not None:
            self.fields["sessions"].queryset = upcoming
        if not has_credit:
            del self.fields["use_credit"]
        if not pay_choice:  # one way to pay only: nothing to choose
            del self.fields["pay_with"]

    def clean(self):
        data = super().clean()
        data.setdefault("use_credit", False)
        return data
