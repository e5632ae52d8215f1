from django.contrib.auth import views as auth
from django.urls import path

from passbook.web.portal import cards, gifts, views
from passbook.web.resets import ThrottledPasswordReset

app_name = "portal"

urlpatterns = [
    path("", views.my_passes, name="home"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path(
        "login/",
        auth.LoginView.as_view(template_name="portal/login.html", next_page="/portal/"),
        name="login",
    ),
    path("logout/", auth.LogoutView.as_view(next_page="/portal/login/"), name="logout"),
    path(
        "password-reset/",
        ThrottledPasswordReset.as_view(
            template_name="portal/password_reset.html",
            email_template_name="portal/password_reset_email.txt",
            success_url="/portal/login/?reset=sent",
        ),
        name="password_reset",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(
            template_name="portal/password_reset_confirm.html", success_url="/portal/login/"
        ),
        name="password_reset_confirm",
    ),
    path("timetable/", views.timetable, name="timetable"),
    path("book/<int:session_id>/", views.book, name="book"),
    path("waitlist/<int:session_id>/", views.join_waitlist, name="join_waitlist"),
    path("waitlist/leave/<int:entry_id>/", views.leave_waitlist, name="leave_waitlist"),
    path("waitlist/claim/<int:entry_id>/", views.claim_place, name="claim_place"),
    path("bookings/", views.my_bookings, name="bookings"),
    path("bookings/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("buy/", views.buy, name="shop"),
    path("buy/<int:product_id>/", views.buy, name="buy"),
    path("passes/<int:pass_id>/pay/", views.pay, name="pay"),
    path("card/", cards.card_page, name="card"),
    path("gift/", gifts.gift, name="gift"),
    path("gift/<int:purchase_id>/", gifts.gift_pay, name="gift_pay"),
    path("voucher/", views.redeem_voucher, name="redeem_voucher"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
