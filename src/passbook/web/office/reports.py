"""Owner reports with server-drawn bar charts (no script, so the CSP holds) and CSV."""

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from passbook import reports
from passbook.models import User
from passbook.web.exports import csv_download
from passbook.web.fields import DayField
from passbook.web.office.common import staff
from passbook.web.office.forms import DATE, Form


class PeriodForm(Form):
    start = DayField(widget=DATE)
    end = DayField(widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end is before the start.")
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, date, date]:
    today = timezone.localdate()
    default = {"start": today.replace(day=1), "end": today}
    form = PeriodForm(request.GET or None, initial=default)
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, default["start"], default["end"]


@staff(User.Role.OWNER)
def report_page(request: HttpRequest) -> HttpResponse:
    form, start, end = _period(request)
    return render(
        request,
        "office/reports.html",
        {"form": form, "tables": reports.all_reports(start, end), "start": start, "end": end},
    )


@staff(User.Role.OWNER)
def report_csv(request: HttpRequest, name: str) -> HttpResponse:
    _form, start, end = _period(request)
    tables = reports.all_reports(start, end)
    if name not in tables:
        raise Http404("No such report.")
    table = tables[name]
    return csv_download(f"{name}-{start}-{end}.csv", table.columns, table.rows)
