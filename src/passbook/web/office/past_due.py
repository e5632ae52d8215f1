"""Renewals whose card was declined: waiting for a retry, or past due (retries used up)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from passbook.services import cards_on_file
from passbook.web.office.common import staff


@staff()
def past_due_list(request: HttpRequest) -> HttpResponse:
    return render(request, "office/past_due.html", {"charges": cards_on_file.past_due()})
