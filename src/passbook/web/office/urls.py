from django.contrib.auth import views as auth
from django.urls import path
from django.views.generic import RedirectView

from passbook.web.office import (
    catalog,
    customers,
    extras,
    moving,
    passes,
    past_due,
    reports,
    sessions,
    staff_accounts,
)
from passbook.web.resets import ThrottledPasswordReset

app_name = "office"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="office:passes"), name="home"),
    path("login/", auth.LoginView.as_view(template_name="office/login.html"), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        ThrottledPasswordReset.as_view(
            template_name="office/password_reset.html",
            email_template_name="office/password_reset_email.txt",
            success_url="/office/password-reset/sent/",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth.PasswordResetDoneView.as_view(template_name="office/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(
            template_name="office/password_reset_confirm.html", success_url="/office/login/"
        ),
        name="password_reset_confirm",
    ),
    path("passes/", passes.pass_list, name="passes"),
    path("passes/export.csv", passes.pass_csv, name="passes_csv"),
    path("passes/<int:pk>/", passes.pass_ticket, name="pass"),
    path("passes/<int:pk>/total/", passes.edit_total, name="pass_total"),
    path("passes/<int:pk>/validity/", passes.edit_validity, name="pass_validity"),
    path("passes/<int:pk>/top-up/", passes.top_up, name="pass_top_up"),
    path("passes/<int:pk>/priority/", passes.edit_priority, name="pass_priority"),
    path("passes/<int:pk>/void/", passes.void, name="pass_void"),
    path("passes/<int:pk>/sessions/", passes.add_session, name="pass_add_session"),
    path("passes/<int:pk>/payments/", passes.record_payment, name="pass_payment"),
    path("passes/<int:pk>/refunds/", passes.refund, name="pass_refund"),
    path("passes/<int:pk>/online-refunds/", passes.refund_online, name="pass_refund_online"),
    path("schedule/", sessions.schedule, name="schedule"),
    path("schedule/new/", sessions.create_sessions, name="schedule_new"),
    path("sessions/<int:pk>/cancel/", sessions.cancel_session, name="session_cancel"),
    path("bookings/", sessions.booking_list, name="bookings"),
    path("catalog/", catalog.catalog, name="catalog_home"),
    path("catalog/<slug:kind>/", catalog.catalog, name="catalog"),
    path("catalog/<slug:kind>/new/", catalog.catalog_edit, name="catalog_new"),
    path("catalog/<slug:kind>/<int:pk>/", catalog.catalog_edit, name="catalog_edit"),
    path(
        "catalog/products/<int:pk>/apply-priority/",
        catalog.apply_priority,
        name="product_apply_priority",
    ),
    path("settings/", catalog.settings_page, name="settings"),
    path("staff/", staff_accounts.staff_list, name="staff"),
    path("staff/<int:pk>/role/", staff_accounts.change_role, name="staff_role"),
    path("staff/<int:pk>/<slug:action>/", staff_accounts.login_action, name="staff_action"),
    path("reports/", reports.report_page, name="reports"),
    path("import/", moving.import_page, name="import"),
    path("export.zip", moving.export_zip, name="export_zip"),
    path("vouchers/", extras.voucher_list, name="vouchers"),
    path("vouchers/<int:pk>/refund/", extras.refund_gift, name="voucher_refund"),
    path("past-due/", past_due.past_due_list, name="past_due"),
    path("passes/extend/", extras.extend_all, name="passes_extend"),
    path("customers/<int:pk>/credit/", extras.issue_credit, name="customer_credit"),
    path("customers/<int:pk>/voucher/", extras.redeem_voucher, name="customer_voucher"),
    path("customers/<int:pk>/sell-voucher/", extras.sell_voucher, name="customer_sell_voucher"),
    path("customers/<int:pk>/subscribe/", extras.subscribe, name="customer_subscribe"),
    path(
        "subscriptions/<int:pk>/<slug:action>/",
        extras.subscription_action,
        name="subscription_action",
    ),
    path("passes/<int:pk>/freeze/", extras.freeze, name="pass_freeze"),
    path("passes/<int:pk>/pay-with-credit/", extras.pay_with_credit, name="pass_pay_credit"),
    path("reports/<slug:name>.csv", reports.report_csv, name="report_csv"),
    path("sessions/<int:pk>/", sessions.session_page, name="session"),
    path("sessions/<int:pk>/book/", sessions.add_to_session, name="session_book"),
    path("sessions/<int:pk>/places/", sessions.change_places, name="session_places"),
    path("bookings/<int:pk>/payments/", sessions.drop_in_payment, name="drop_in_payment"),
    path("bookings/<int:pk>/<slug:action>/", sessions.booking_action, name="booking_action"),
    path("waitlist/<int:pk>/<slug:action>/", sessions.waitlist_action, name="waitlist_action"),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/new/", customers.new_customer, name="customer_new"),
    path("customers/<int:pk>/", customers.customer_page, name="customer"),
    path("customers/<int:pk>/sell/", customers.sell, name="customer_sell"),
    path("sell/sessions/", customers.sell_sessions, name="sell_sessions"),
]
