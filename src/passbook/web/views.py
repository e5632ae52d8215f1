from django.shortcuts import render

from passbook.models import Business


def home(request):
    return render(request, "passbook/home.html", {"business": Business.current()})
