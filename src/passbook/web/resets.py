"""Password resets for staff and customers: throttled, and sent through the outbox.

Django's reset view sends its email inside the request, as often as it is asked. Here the
message goes to the outbox (delivered by the jobs, retried, never inside a transaction),
and each address and client may ask a few times an hour. The answer is the same whether
or not the address is known, or the ask was throttled.
"""

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import PasswordResetView
from django.http import HttpResponse, HttpResponseRedirect
from django.template import loader

from passbook.models import Customer
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
