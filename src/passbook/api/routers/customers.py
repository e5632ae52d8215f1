"""Customers, and 'why wasn't my pass used?'."""

from ninja import Field, Query, Router, Schema, Status

from passbook.api.routers.common import (
    PageParams,
    caller,
    one,
    own_customers,
    paginate,
    responds,
    sent,
)
from passbook.api.routers.schedule import seen_by
from passbook.api.schemas import (
    NO_NUL,
    CustomerIn,
    CustomerOut,
    NewCustomerIn,
    QueryId,
    VerdictOut,
    page_of,
    partial,
)
from passbook.models import User
from passbook.queries import customers_matching
from passbook.services import customers, errors, records
from passbook.services.explain import explain

CustomerPatch = partial(CustomerIn)
router = Router(tags=["customers"])


class CustomerSearch(PageParams):
    search: str = Field("", max_length=200, pattern=NO_NUL)


@router.get("/customers", response=responds(200, page_of(CustomerOut)))
def list_customers(request, q: Query[CustomerSearch]):
    """Staff: search by name, email or phone. A customer sees only themselves."""
    found = customers_matching(q.search, own_customers(request))
    return paginate(found, q.page, q.page_size)


@router.post("/customers", response=responds(201, CustomerOut))
def create_customer(request, body: NewCustomerIn):
    """Staff: a new customer. An email or phone already on file answers 409
    `possible_duplicate` naming the `matches`, unless `even_if_on_file` is true."""
    caller(request).require_staff()
    fields = body.dict(exclude={"even_if_on_file"})
    return Status(201, customers.add(fields, even_if_on_file=body.even_if_on_file))


@router.get("/customers/{pk}", response=responds(200, CustomerOut))
def get_customer(request, pk: QueryId):
    return one(own_customers(request), pk, "customer")


SELF_SERVICE = {"first_name", "last_name", "phone"}


@router.patch("/customers/{pk}", response=responds(200, CustomerOut))
def update_customer(
    request,
    pk: QueryId,
    body: CustomerPatch,  # type: ignore[valid-type]  # a class made at run time by partial()
):
    """Staff, or the customer themselves: their name and phone (the notes are the
    studio's, and the email address messages go to is changed by the studio)."""
    changes = sent(body)
    if not caller(request).is_staff and (kept := sorted(set(changes) - SELF_SERVICE)):
        raise errors.Forbidden(
            f"Customers may change their name and phone, not {', '.join(kept)}.", fields=kept
        )
    return records.save(one(own_customers(request), pk, "customer"), changes)


@router.delete("/customers/{pk}", response=responds(204, None))
def delete_customer(request, pk: QueryId):
    """Only a customer with no passes, bookings or payments can be deleted."""
    caller(request).require(User.Role.MANAGER)
    records.delete(one(own_customers(request), pk, "customer"))
    return Status(204, None)


class ExplainQuery(Schema):
    session: QueryId


@router.get("/customers/{pk}/explain", response=responds(200, list[VerdictOut]))
def explain_passes(request, pk: QueryId, q: Query[ExplainQuery]):
    """For each of the customer's passes: `chosen` for this session, or why not."""
    customer = one(own_customers(request), pk, "customer")
    if not caller(request).is_staff:  # nor about someone else's private appointment
        one(seen_by(request), q.session, "session")
    return [
        {**v.__dict__, "code": v.code.value, "chosen": v.chosen}
        for v in explain(customer.id, q.session)
    ]
