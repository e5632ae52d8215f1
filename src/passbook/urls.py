from django.contrib import admin
from django.urls import include, path

from passbook.api.app import api
from passbook.web import payments, views

urlpatterns = [
    path("", views.home, name="home"),
    path("office/", include("passbook.web.office.urls")),
    path("portal/", include("passbook.web.portal.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("payments/stripe/webhook/", payments.stripe_webhook, name="stripe_webhook"),
]
