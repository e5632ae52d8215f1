"""Subscriptions: each period's pass is issued exactly once; cancel, pause, resume."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError

from passbook import jobs
from passbook.jobs import run_all
from passbook.models import Notification, Pass, Plan, Renewal, Subscription
from passbook.rules.money import PaymentStatus, payment_status
from passbook.services import subscriptions
from passbook.services.verify import problems
from tests.factories import CustomerFactory, ProductFactory
from tests.integration.helpers import refused
from tests.threads import race_point, run_together


def at(*args):
    return time_machine.travel(datetime(*args, 9, tzinfo=UTC), tick=False)


@pytest.fixture
def monthly(db):
    product = ProductFactory(name="Monthly unlimited", credits=None, max_per_day=1)
    return Plan.objects.create(
        name="Monthly unlimited", product=product, interval="month", price=Decimal("150")
    )


def periods(customer) -> list[tuple[str, str]]:
    return [
        (p.starts_at.date().isoformat(), p.expires_at.date().isoformat())
        for p in Pass.objects.filter(customer=customer).order_by("starts_at")
    ]


def test_each_month_gets_one_unpaid_pass_even_if_the_job_runs_twice(business, customer, monthly):
    with at(2027, 1, 31):
        sub = subscriptions.start(customer.id, monthly.id)
    for day in [(2027, 2, 27), (2027, 2, 28), (2027, 2, 28), (2027, 3, 31), (2027, 4, 1)]:
        with at(*day):
            run_all()
    assert periods(customer) == [
        ("2027-01-31", "2027-02-27"),
        ("2027-02-28", "2027-03-30"),
        ("2027-03-31", "2027-04-29"),  # anchored to the 31st
    ]
    renewed = Pass.objects.filter(customer=customer).last()
    assert renewed.source == "subscription" and renewed.total is None
    assert payment_status(renewed.price, renewed.amount_paid) is PaymentStatus.UNPAID
    assert Renewal.objects.filter(subscription=sub).count() == 3
    assert list(problems()) == []


def test_missed_runs_catch_up_period_by_period(business, customer, monthly):
    with at(2027, 1, 1):
        subscriptions.start(customer.id, monthly.id)
    with at(2027, 4, 15):  # the job did not run for months
        assert run_all().counts["renewals"] == 3
    assert [s for s, _e in periods(customer)] == [
        "2027-01-01",
        "2027-02-01",
        "2027-03-01",
        "2027-04-01",
    ]


def test_a_run_renews_many_subscriptions_in_batches_each_exactly_once(
    business, monthly, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(jobs, "BATCH", 4)  # 10 subscriptions: batches of 4, 4 and 2
    customers = CustomerFactory.create_batch(10)
    with at(2027, 1, 1):
        for c in customers:
            subscriptions.start(c.id, monthly.id)
    customers[3].subscriptions.update(cancel_at_period_end=True)
    report = jobs.Report()
    # About 20 queries a batch (a few reads, then five inserts per plan and period
    # entered: February and March), however many subscriptions it holds.
    with at(2027, 3, 1), django_assert_max_num_queries(70):
        jobs.renew_subscriptions(report)
    assert report.counts["renewals"] == 9 * 2  # February and March; one ended in January
    assert [len(periods(c)) for c in customers] == [3, 3, 3, 1, 3, 3, 3, 3, 3, 3]
    assert Notification.objects.filter(kind="renewal_issued").count() == 10 + 18  # with the first
    assert customers[3].subscriptions.get().status == Subscription.Status.CANCELLED
    with at(2027, 3, 1):
        assert run_all().counts["renewals"] == 0
    assert list(problems()) == []


def test_two_subscriptions_to_one_plan_renew_into_a_pass_each(business, monthly):
    """New passes are matched to their subscriptions by customer, so a customer with two
    subscriptions to the same plan (two household members, say) must still get two."""
    twice, no_email = CustomerFactory(), CustomerFactory(email="")
    with at(2027, 1, 1):
        first = subscriptions.start(twice.id, monthly.id)
        second = subscriptions.start(twice.id, monthly.id)
        subscriptions.start(no_email.id, monthly.id)
    with at(2027, 2, 1):
        assert run_all().counts["renewals"] == 3
    renewals = Renewal.objects.filter(period_start=date(2027, 2, 1))
    issued = {r.subscription_id: r.issued_pass for r in renewals}
    assert issued[first.id] != issued[second.id]
    assert {issued[first.id].customer_id, issued[second.id].customer_id} == {twice.id}
    renewal_notices = Notification.objects.filter(kind="renewal_issued", key__contains="2027-02")
    assert sorted(renewal_notices.values_list("key", flat=True)) == [
        f"renewal:{first.id}:2027-02-01",
        f"renewal:{second.id}:2027-02-01",
    ]  # none to the customer without an email address, who still has the pass
    assert Pass.objects.filter(customer=no_email).count() == 2
    assert list(problems()) == []


def test_periods_that_start_together_keep_their_own_ends(business, monthly):
    on_31st, on_28th = CustomerFactory(), CustomerFactory()
    with at(2027, 1, 31):
        subscriptions.start(on_31st.id, monthly.id)
    with at(2027, 1, 28):
        subscriptions.start(on_28th.id, monthly.id)
    with at(2027, 2, 28):  # both enter a period starting today
        assert run_all().counts["renewals"] == 2
    assert periods(on_31st)[-1] == ("2027-02-28", "2027-03-30")
    assert periods(on_28th)[-1] == ("2027-02-28", "2027-03-27")


def test_cancel_at_period_end(business, customer, monthly):
    with at(2027, 1, 1):
        sub = subscriptions.start(customer.id, monthly.id)
        subscriptions.cancel_at_period_end(sub.id)
    with at(2027, 2, 1):
        run_all()
    assert len(periods(customer)) == 1
    assert Subscription.objects.get(pk=sub.pk).status == "cancelled"
    with refused("invalid_input"):
        subscriptions.cancel_at_period_end(sub.id)


def test_pause_and_resume(business, customer, monthly):
    with at(2027, 1, 1):
        sub = subscriptions.start(customer.id, monthly.id)
        subscriptions.pause(sub.id)
    with at(2027, 3, 10):
        run_all()
        assert len(periods(customer)) == 1  # nothing while paused
        subscriptions.resume(sub.id)
    assert periods(customer)[-1] == ("2027-03-10", "2027-04-09")
    with refused("invalid_input"):
        subscriptions.resume(sub.id)


def test_weekly_and_yearly_plans(business, customer):
    product = ProductFactory(credits=2)
    for interval, last in [("week", "2027-01-07"), ("year", "2027-12-31")]:
        plan = Plan.objects.create(
            name=interval, product=product, interval=interval, price=Decimal("10")
        )
        with at(2027, 1, 1):
            subscriptions.start(customer.id, plan.id)
        assert periods(customer)[-1] == ("2027-01-01", last)


def test_inactive_plans_cannot_be_started(business, customer, monthly):
    monthly.active = False
    monthly.save()
    with refused("invalid_input"):
        subscriptions.start(customer.id, monthly.id, starts_on=date(2027, 1, 1))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_job_runs_renew_exactly_once(business, monthly, locking, monkeypatch):
    customers = CustomerFactory.create_batch(5)
    with at(2027, 1, 1):
        for c in customers:
            subscriptions.start(c.id, monthly.id)
    # every run has read what is due before any writes
    race_point(monkeypatch, subscriptions, "_issue", locking=locking, runs=4)

    def run(_n):
        with at(2027, 2, 1):
            run_all()

    if not locking:  # every run found the same periods due; the constraint stops the rest
        with pytest.raises(IntegrityError, match="one_pass_per_subscription_period"):
            run_together(4, run)
        return
    run_together(4, run)
    assert Pass.objects.count() == Renewal.objects.count() == 10
    assert all(len(periods(c)) == 2 for c in customers)
    assert list(problems()) == []
