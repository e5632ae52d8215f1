"""Password resets for staff and customers: throttled, and sent through the outbox.

Django's reset view sends its email inside the request, as often as it is asked. Here the
message goes to the outbox (delivered by the jobs, retried, never inside a transaction),
and each address and client may ask a few times an hour. The answer is the same whether
or not the address is known, or the ask was throttled. A staff invitation carries the same
kind of link (`password_link`).
"""

from collections.abc import Callable

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordResetView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import loader
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from passbook.models import Customer, User
from passbook.services import notifications, throttle
from passbook.web.clients import client_ip


class OutboxPasswordResetForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        customer = Customer.objects.filter(user=context["user"]).first()
        notifications.password_reset(to_email, customer, subject, body)


class ThrottledPasswordReset(PasswordResetView):
    form_class = OutboxPasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        who = (form.cleaned_data["email"], client_ip(self.request))
        if not throttle.allows("password_reset", *who):
            return HttpResponseRedirect(self.get_success_url())  # the same answer
        throttle.count("password_reset", *who)
        return super().form_valid(form)


def password_link(request: HttpRequest) -> Callable[[User], str]:
    """A one-time link for a login to choose its password: the reset page and token a
    reset email carries, used for staff invitations."""

    def link(user: User) -> str:
        path = reverse(
            "office:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        return request.build_absolute_uri(path)

    return link
