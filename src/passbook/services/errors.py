"""Every error code Passbook answers with, and only here (docs/domain.md lists them all).

A refused request raises one of these; each has a stable `code` and a default message.
The entry points map them once each: HTTP status and problem+json in api/problems.py, a
message on the page in web/refusals.py, an exit status in management/base.py.
"""

from typing import Any, ClassVar

# code -> error class; filled as the classes below are defined.
REGISTRY: dict[str, type["DomainError"]] = {}


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    message: str = "The request could not be carried out."
    # A refusal that the same request may get past later (a lock held too long).
    retryable: ClassVar[bool] = False

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.message
        self.details = details
        super().__init__(self.message)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code in REGISTRY:
            raise TypeError(f"error code {cls.code!r} is defined twice")
        REGISTRY[cls.code] = cls

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


# Requests: what was asked for is missing, malformed or not allowed.


class NotFound(DomainError):
    code = "not_found"
    message = "Not found."


class InvalidInput(DomainError):
    code = "invalid_input"
    message = "Some values are not valid."


class BadRequest(DomainError):
    code = "bad_request"
    message = "The request could not be read."


class ValidationFailed(DomainError):
    code = "validation_error"
    message = "Some values are not valid."


class Unauthorized(DomainError):
    code = "unauthorized"
    message = "Sign in, or send a staff token as 'Authorization: Bearer …'."


class Forbidden(DomainError):
    code = "forbidden"
    message = "Your role does not allow this."


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was used with a different request."


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    message = "This address does not answer that method."


class TooLarge(DomainError):
    code = "too_large"
    message = "The request is too large."


class ServerError(DomainError):
    code = "server_error"
    message = "Something went wrong on our side; it is logged under this request's id."


class Busy(DomainError):
    code = "busy"
    message = "Someone else is changing this right now; try again in a moment."
    retryable = True


class InUse(DomainError):
    code = "in_use"
    message = "This is still used by other records, so it cannot be deleted."


class AlreadyExists(DomainError):
    code = "already_exists"
    message = "Another record already has this value."


class PossibleDuplicate(DomainError):
    code = "possible_duplicate"
    message = "A customer with this email or phone is already on file."


# Staff logins.


class LastOwner(DomainError):
    code = "last_owner"
    message = "The studio must keep an active owner: make another staff member owner first."


# Sessions and bookings.


class SessionFull(DomainError):
    code = "session_full"
    message = "This session is full."


class SessionCancelled(DomainError):
    code = "session_cancelled"
    message = "This session has been cancelled."


class SessionOver(DomainError):
    code = "session_over"
    message = "This session has already ended."


class SessionNotStarted(DomainError):
    code = "session_not_started"
    message = "This session has not started yet."


class CheckInNotOpen(DomainError):
    code = "check_in_not_open"
    message = "Check-in for this session has not opened yet."


class AttendanceClosed(DomainError):
    code = "attendance_closed"
    message = "Attendance for this session is closed; it can no longer be changed."


class SessionHasAttendance(DomainError):
    code = "session_has_attendance"
    message = "Customers have been checked in to this session; undo their check-ins first."


class AlreadyBooked(DomainError):
    code = "already_booked"
    message = "This customer is already booked into this session."


class InvalidBookingState(DomainError):
    code = "invalid_booking_state"
    message = "The booking is not in a state that allows this."


class StaffBusy(DomainError):
    code = "staff_busy"
    message = "This staff member is already teaching at that time."


class ResourceBusy(DomainError):
    code = "resource_busy"
    message = "This room or resource is already in use at that time."


class CapacityBelowBooked(DomainError):
    code = "capacity_below_booked"
    message = "The capacity cannot be less than the customers already booked."


# Passes.


class NoUsablePass(DomainError):
    code = "no_usable_pass"
    message = "None of this customer's passes can pay for this session."


class PassNotUsable(DomainError):
    code = "pass_not_usable"
    message = "This pass cannot pay for this session."


class PassVoided(DomainError):
    code = "pass_voided"
    message = "This pass has been voided."


class PassUnlimited(DomainError):
    code = "pass_unlimited"
    message = "This pass is unlimited; it has no total to change by an amount."


class TotalBelowCommitted(DomainError):
    code = "total_below_committed"
    message = "The total cannot be less than the credits already booked and used."


class BookingsOutsideValidity(DomainError):
    code = "bookings_outside_validity"
    message = "Some booked sessions on this pass fall outside the new dates; cancel them first."


class BookingsInFreeze(DomainError):
    code = "bookings_in_freeze"
    message = "Sessions are booked on this pass during those days; cancel them first."


class ProductArchived(DomainError):
    code = "product_archived"
    message = "This pass product is archived and can no longer be sold."


class TooManyUnpaidPasses(DomainError):
    code = "too_many_unpaid_passes"
    message = "Pay for the passes you already owe money on before buying another."


# Money, account credit and vouchers.


class RefundExceedsPaid(DomainError):
    code = "refund_exceeds_paid"
    message = "A refund cannot be larger than what was paid."


class NotEnoughCredit(DomainError):
    code = "not_enough_credit"
    message = "The customer's account credit does not cover this."


class MoreThanOwed(DomainError):
    code = "more_than_owed"
    message = "That is more than is owed on this pass."


class InvalidVoucher(DomainError):
    code = "invalid_voucher"
    message = "This voucher code is not valid."


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    message = "Too many wrong voucher codes; try again in 15 minutes."


# Import.


class ImportUnreadable(DomainError):
    code = "import_unreadable"
    message = "The file could not be read; nothing was written."


class ImportRefused(DomainError):
    code = "import_refused"
    message = "Some rows were refused; nothing was written."


class ImportNotUndoable(DomainError):
    code = "import_not_undoable"
    message = "Something has happened to this import's records since; nothing was undone."


# Waitlists.


class SessionNotFull(DomainError):
    code = "session_not_full"
    message = "This session still has places: book it instead of joining the waitlist."


class AlreadyWaiting(DomainError):
    code = "already_waiting"
    message = "You are already on this session's waitlist."


class WaitlistFull(DomainError):
    code = "waitlist_full"
    message = "The waitlist for this session is full."


class NotWaiting(DomainError):
    code = "not_waiting"
    message = "This waitlist entry is no longer waiting."


class NotOffered(DomainError):
    code = "not_offered"
    message = "No place is on offer for this waitlist entry."


class OfferExpired(DomainError):
    code = "offer_expired"
    message = "The offered place was not claimed in time; it has gone to the next in line."


def check_days(**days: Any) -> None:
    """Refuse dates outside 2000-2099 with a clear message (None means 'not given')."""
    from passbook.rules.calendar import supported

    for field, day in days.items():
        if day is not None and not supported(day):
            raise InvalidInput("Use a date between 2000 and 2099.", field=field)


# Online payments.


class OnlinePaymentsOff(DomainError):
    code = "online_payments_off"
    message = "Online card payments are not set up."


class PaymentProviderUnavailable(DomainError):
    code = "payment_provider_unavailable"
    message = "The card payment service could not be reached; please try again in a moment."
    retryable = True


class AlreadyPaid(DomainError):
    code = "already_paid"
    message = "This pass is already paid."


class NotPaidOnline(DomainError):
    code = "not_paid_online"
    message = "This pass was not paid online; record a refund by hand instead."
