"""Reports against figures worked out by hand on a fixed dataset."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from django.test import Client

from passbook import reports
from passbook.jobs import run_all
from passbook.models import Pass, User
from passbook.services import bookings, credit, passes, vouchers
from passbook.services.payments import PaymentInput
from tests.factories import ClassTypeFactory, CustomerFactory, ProductFactory, SessionFactory

D = Decimal


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def _dataset():
    """In March 2027: two 10-class passes at 200 (20 a credit), one 5-class at 90 (18 a
    credit), one unlimited at 150, one voided. Ann uses 3 credits and books 1 more; Ben's
    5-class pass expires on 31 March with 5 credits left; Cy's pass is untouched."""
    ten = ProductFactory(
        name="10-class", credits=10, price=D("200"), validity_unit="months", validity_count=3
    )
    five = ProductFactory(
        name="5-class", credits=5, price=D("90"), validity_unit="days", validity_count=20
    )
    unlimited = ProductFactory(name="Unlimited", credits=None, price=D("150"))
    yoga, pilates = ClassTypeFactory(name="Yoga"), ClassTypeFactory(name="Pilates")
    ann, ben, cy, dee = CustomerFactory.create_batch(4)
    with at(2027, 3, 1, 9):
        passes.sell(ann.id, ten.id)
        passes.sell(cy.id, ten.id)
        passes.sell(dee.id, unlimited.id)
        passes.void(passes.sell(dee.id, ten.id).id, reason="mistake")
    with at(2027, 3, 12, 9):
        passes.sell(ben.id, five.id)  # valid 12..31 March
    for i, (ctype, outcome) in enumerate(
        [
            (yoga, "attend"),
            (yoga, "attend"),
            (pilates, "attend"),
            (pilates, "no_show"),
            (yoga, "book"),
        ]
    ):
        start = datetime(2027, 3, 20 + i, 8, tzinfo=UTC)
        session = SessionFactory(
            class_type=ctype, starts_at=start, ends_at=start + timedelta(hours=1)
        )
        with at(2027, 3, 19, 9):
            booking = bookings.book(ann.id, session.id)
        if outcome != "book":
            with at(2027, 3, 20 + i, 10):
                action = bookings.check_in if outcome == "attend" else bookings.mark_no_show
                action(booking.id)
    with at(2027, 4, 2, 9):
        run_all()  # Ben's pass expired on 31 March: 5 credits forfeited


def test_reports_match_the_hand_worked_figures(business):
    business.no_show_policy = "consume"
    business.save()
    _dataset()
    march = (date(2027, 3, 1), date(2027, 3, 31))
    assert reports.sales(*march).rows == [
        ["10-class", 2, D("400.00")],
        ["5-class", 1, D("90.00")],
        ["Unlimited", 1, D("150.00")],
    ]
    with at(2027, 4, 2, 12):
        # Ann: 10 - 5 used (3 attended, 1 no-show, and the class she booked but missed,
        # which the 2 April job run made a no-show) = 5 unused x 20 = 100; Cy: 10 x 20 =
        # 200; Ben's expired pass is no longer a liability.
        assert reports.liability().rows == [["10-class", D("15.00"), D("300.00")]]
    assert reports.breakage(date(2027, 4, 1), date(2027, 4, 30)).rows == [
        ["5-class", D("5.00"), D("90.00")]
    ]
    assert reports.attendance(*march).rows == [["Pilates", 1, 1, 0], ["Yoga", 2, 1, 0]]


def test_an_extended_forfeited_pass_is_liability_again_not_breakage(business):
    business.no_show_policy = "consume"
    business.save()
    _dataset()
    april = (date(2027, 4, 1), date(2027, 4, 30))
    ben_pass = Pass.objects.get(name="5-class")
    with at(2027, 4, 3, 9):  # staff extend Ben's forfeited pass to the end of April
        passes.change_validity(
            ben_pass.id, starts_on=date(2027, 3, 12), expires_on=date(2027, 4, 30), reason="x"
        )
        assert reports.breakage(*april).rows == []
        assert ["5-class", D("5.00"), D("90.00")] in reports.liability().rows
    with at(2027, 5, 2, 9):  # and when it expires again, that forfeit is breakage
        run_all()
        assert reports.breakage(date(2027, 5, 1), date(2027, 5, 31)).rows == [
            ["5-class", D("5.00"), D("90.00")]
        ]


def test_reports_page_and_csv_are_for_owners(business):
    _dataset()
    owner, desk = Client(), Client()
    owner.force_login(User.objects.create(username="boss", role="owner"))
    desk.force_login(User.objects.create(username="desk", role="frontdesk"))
    period = "?start=2027-03-01&end=2027-03-31"
    page = owner.get(f"/office/reports/{period}")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert desk.get(f"/office/reports/{period}").status_code == 403
    csv = owner.get(f"/office/reports/sales.csv{period}").content.decode().splitlines()
    assert csv == [
        "Pass,Sold,Revenue",
        "10-class,2,400.00",
        "5-class,1,90.00",
        "Unlimited,1,150.00",
    ]
    assert owner.get("/office/reports/nope.csv").status_code == 404
    bad = owner.get("/office/reports/?start=2027-03-31&end=2027-03-01")
    assert "The end is before the start." in bad.content.decode()


def test_sales_by_month_rows(business):
    _dataset()
    with at(2027, 4, 3, 9):
        passes.sell(CustomerFactory().id, ProductFactory(name="Trial", price=D("15")).id)
    assert reports.sales_by_month(date(2027, 2, 1), date(2027, 4, 30)).rows == [
        ["2027-03", 4, D("640.00")],  # 2 x 200 + 90 + 150; the voided pass is not a sale
        ["2027-04", 1, D("15.00")],
    ]


def test_money_owed_to_customers_counts_credit_and_unredeemed_sold_vouchers(business):
    ann, ben, cy = CustomerFactory.create_batch(3)
    pack = ProductFactory(name="10-class", price=D("200"))
    later = date.today() + timedelta(days=300)
    credit.issue(ann.id, D("30"), reason="class cancelled")
    cash = PaymentInput(D("50"), "cash")
    vouchers.sell(cy.id, payment=cash, value=D("50"), expires_on=later)
    gift = vouchers.sell(
        ben.id, payment=PaymentInput(D("200"), "card"), product_id=pack.id, expires_on=later
    )
    vouchers.redeem(gift.code, cy.id, who="user:1")  # now a pass: no longer owed
    vouchers.create(value=D("99"), expires_on=later)  # given away: no money was taken
    assert reports.owed().rows == [
        ["Account credit", 1, D("30.00")],
        ["Gift vouchers sold", 1, D("50.00")],
    ]
