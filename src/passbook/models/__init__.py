from passbook.models import lookups  # noqa: F401 - registers field__among
from passbook.models.access import ApiToken, Attempt, IdempotencyRecord
from passbook.models.billing import Payment
from passbook.models.bookings import Booking
from passbook.models.business import Business
from passbook.models.catalog import Category, ClassType, PassProduct, Resource
from passbook.models.credit import CreditNote, GiftVoucher, VoucherAttempt
from passbook.models.imports import ImportBatch
from passbook.models.notifications import Notification
from passbook.models.online import OnlineCheckout, OnlineRefund, StripeEvent
from passbook.models.passes import Pass, PassEntry, PassFreeze
from passbook.models.people import Customer, Staff, User
from passbook.models.schedule import Session, SessionSeries
from passbook.models.subscriptions import Plan, Renewal, Subscription
from passbook.models.waitlists import WaitlistEntry

__all__ = [
    "ApiToken",
    "Attempt",
    "IdempotencyRecord",
    "Booking",
    "Business",
    "Category",
    "ClassType",
    "CreditNote",
    "Customer",
    "GiftVoucher",
    "ImportBatch",
    "Notification",
    "OnlineCheckout",
    "OnlineRefund",
    "Pass",
    "PassEntry",
    "PassFreeze",
    "PassProduct",
    "Plan",
    "Renewal",
    "Payment",
    "Resource",
    "Session",
    "SessionSeries",
    "Staff",
    "StripeEvent",
    "Subscription",
    "User",
    "VoucherAttempt",
    "WaitlistEntry",
]
