"""A small fixed studio for the command-line and backup tests (the demo has tests of its
own). Built through the services, relative to the clock, which those tests pin:

- pass 1: Ann's 10-class pass, paid, one class attended yesterday and one booked tomorrow;
- pass 2: Ben's 5-class pass, unpaid, booked tomorrow;
- staff login `owner` (password `small-studio`).
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from passbook import clock
from passbook.models import Business, Category, ClassType, Customer, PassProduct, User
from passbook.services import bookings, passes, schedule
from passbook.services.payments import PaymentInput

NAME = "Small Test Studio"
PASSWORD = "small-studio"


@transaction.atomic
def build() -> None:
    business = Business.current()
    business.name, business.time_zone, business.currency = NAME, "Europe/London", "GBP"
    business.save()
    User.objects.create_user("owner", "owner@example.com", PASSWORD, role=User.Role.OWNER)
    yoga = ClassType.objects.create(
        name="Yoga", category=Category.objects.create(name="Yoga"), capacity=8
    )
    today = clock.now().astimezone(business.tz).date()
    six_pm = time(18, 0, tzinfo=business.tz)
    past, coming = (
        schedule.create_session(schedule.SessionInput(yoga, datetime.combine(day, six_pm)))
        for day in (today - timedelta(days=1), today + timedelta(days=1))
    )
    ann, ben = (
        Customer.objects.create(first_name=n, last_name="Small", email=f"{n.lower()}@example.com")
        for n in ("Ann", "Ben")
    )
    with clock.at(clock.now() - timedelta(days=10)):
        ten = PassProduct.objects.create(name="10-class pass", price=100, credits=10)
        five = PassProduct.objects.create(name="5-class pass", price=60, credits=5)
        ann_pass = passes.sell(ann.id, ten.id, payment=PaymentInput(Decimal(100), "cash"))
        bookings.book(ann.id, past.id)
        passes.sell(ben.id, five.id)
    with clock.at(past.starts_at):
        bookings.check_in(ann_pass.bookings.get().id)
    bookings.book(ann.id, coming.id)
    bookings.book(ben.id, coming.id)
