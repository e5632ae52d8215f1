"""'Why wasn't my pass used?': the spend rule's verdict on each of a customer's passes."""

from passbook.models import Business, Customer, Session
from passbook.rules import spend
from passbook.services import locks
from passbook.services.facts import passes_facts, session_facts


def explain(customer_id: int, session_id: int) -> list[spend.Verdict]:
    """For each of the customer's passes (newest first): chosen, or why not."""
    customer = locks.get(Customer, customer_id, "No such customer.")
    session = locks.get(Session, session_id, "No such session.")
    business = Business.current()
    passes = customer.passes.order_by("-purchased_at", "-id")
    return spend.explain(
        passes_facts(passes, business.tz),
        session_facts(session),
        business.tz,
        spend.SpendOrder(business.spend_order),
    )


def explain_timetable(customer_id: int, sessions: list[Session]) -> dict[int, list[spend.Verdict]]:
    """The same answer for many sessions at once (one query for the passes)."""
    customer = locks.get(Customer, customer_id, "No such customer.")
    business = Business.current()
    facts = passes_facts(
        customer.passes.filter(voided_at__isnull=True).order_by("purchased_at", "id"), business.tz
    )
    order = spend.SpendOrder(business.spend_order)
    return {s.id: spend.explain(facts, session_facts(s), business.tz, order) for s in sessions}
