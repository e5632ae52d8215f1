"""What a portal page with Stripe.js's card field needs (static/portal/pay.js): the card
goes from the browser to Stripe, never to us."""

from django.conf import settings
from django.http import HttpRequest

from passbook import payment_providers


def card_field(request: HttpRequest, back_to: str) -> dict[str, object]:
    """Context for the card field; `back_to` is the page Stripe.js returns to."""
    return {
        "online": payment_providers.stripe_configured(),
        "stripe_js_url": settings.PASSBOOK_STRIPE_JS_URL,
        "publishable_key": settings.PASSBOOK_STRIPE_PUBLISHABLE_KEY,
        "return_url": request.build_absolute_uri(back_to),
    }
