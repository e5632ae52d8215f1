"""Bookings: book (automatic or named pass, drop-in, complimentary), cancel, attendance."""

from datetime import datetime, time

from ninja import Query, Router, Status

from passbook.api.routers.common import PageParams, caller, one, own, paginate, responds
from passbook.api.routers.schedule import seen_by
from passbook.api.schemas import (
    BookingCancelIn,
    BookingIn,
    BookingOut,
    Day,
    PassPaymentIn,
    PaymentOut,
    QueryId,
    page_of,
)
from passbook.models import Booking, Business
from passbook.services import bookings, errors, payments
from passbook.services.errors import NotFound

router = Router(tags=["bookings"])


def _bookings(request):
    return own(request, Booking.objects.select_related("session"))


class BookingFilter(PageParams):
    session: QueryId | None = None
    customer: QueryId | None = None
    on: Day | None = None
    status: Booking.Status | None = None


@router.get("/bookings", response=responds(200, page_of(BookingOut)))
def list_bookings(request, f: Query[BookingFilter]):
    qs = _bookings(request).order_by("session__starts_at", "id")
    if f.session:
        qs = qs.filter(session_id=f.session)
    if f.customer:
        qs = qs.filter(customer_id=f.customer)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.on:
        tz = Business.current().tz
        qs = qs.filter(
            session__starts_at__gte=datetime.combine(f.on, time.min, tzinfo=tz),
            session__starts_at__lte=datetime.combine(f.on, time.max, tzinfo=tz),
        )
    return paginate(qs, f.page, f.page_size)


@router.get("/bookings/{pk}", response=responds(200, BookingOut))
def get_booking(request, pk: QueryId):
    return one(_bookings(request), pk, "booking")


@router.post("/bookings", response=responds(201, BookingOut))
def book(request, body: BookingIn):
    """Book a session. Without `pass_id` the spend rule picks the pass (see /explain)."""
    who = caller(request)
    if not who.is_staff:
        if body.customer_id != who.customer_id:
            raise NotFound("No such customer.")
        if body.paid_by != Booking.PaidBy.PASS:
            raise errors.Forbidden("Drop-in and complimentary bookings are made at the desk.")
        one(seen_by(request), body.session_id, "session")
    booking = bookings.book(
        body.customer_id,
        body.session_id,
        pass_id=body.pass_id,
        paid_by=body.paid_by,
        actor=who.user,
    )
    return Status(201, booking)


@router.post("/bookings/{pk}/cancel", response=responds(200, BookingOut))
def cancel(request, pk: QueryId, body: BookingCancelIn):
    """Cancel. Inside the late-cancel window the business's policy applies; staff may waive it."""
    who = caller(request)
    if body.waive_late_policy:
        who.require_staff()
    booking = one(_bookings(request), pk, "booking")
    return bookings.cancel(booking.id, actor=who.user, waive_late_policy=body.waive_late_policy)


def _attendance(request, pk: QueryId, action) -> Booking:
    who = caller(request)
    who.require_staff()
    return action(one(_bookings(request), pk, "booking").id, actor=who.user)


@router.post("/bookings/{pk}/check-in", response=responds(200, BookingOut))
def check_in(request, pk: QueryId):
    return _attendance(request, pk, bookings.check_in)


@router.post("/bookings/{pk}/undo-check-in", response=responds(200, BookingOut))
def undo_check_in(request, pk: QueryId):
    return _attendance(request, pk, bookings.undo_check_in)


@router.post("/bookings/{pk}/no-show", response=responds(200, BookingOut))
def no_show(request, pk: QueryId):
    return _attendance(request, pk, bookings.mark_no_show)


@router.post("/bookings/{pk}/undo-no-show", response=responds(200, BookingOut))
def undo_no_show(request, pk: QueryId):
    """Book again, while attendance is open; the credit is held again."""
    return _attendance(request, pk, bookings.undo_no_show)


@router.post("/bookings/{pk}/payments", response=responds(201, PaymentOut), tags=["payments"])
def drop_in_payment(request, pk: QueryId, body: PassPaymentIn):
    """Money received for a drop-in booking: up to its price, unless `excess_to_credit`."""
    who = caller(request)
    who.require_staff()
    booking = one(_bookings(request), pk, "booking")
    taken = payments.record_drop_in_payment(
        booking.id, body.money(), excess_to_credit=body.excess_to_credit, actor=who.user
    )
    return Status(201, taken)
