"""Form fields every page shares."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from passbook.rules.calendar import supported


class DayField(forms.DateField):
    """A whole day between 2000 and 2099, the range every part of Passbook supports:
    beyond it, dates would overflow when converted between time zones."""

    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not supported(value):
            raise ValidationError("Use a date between 2000 and 2099.", code="out_of_range")


def day_or(text: str | None, default: date) -> date:
    """The day `text` names (YYYY-MM-DD, 2000-2099), or `default` when it names none."""
    try:
        return DayField(required=False).clean(text) or default
    except ValidationError:
        return default
