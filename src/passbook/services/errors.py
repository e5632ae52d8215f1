"""Domain errors with stable codes. Entry points map each code once (HTTP, page, exit)."""

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    message = "The request could not be carried out."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.message
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class NotFound(DomainError):
    code = "not_found"
    message = "Not found."


class InvalidInput(DomainError):
    code = "invalid_input"
    message = "Some values are not valid."


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


class SessionHasAttendance(DomainError):
    code = "session_has_attendance"
    message = "Customers have been checked in to this session; undo their check-ins first."


class AlreadyBooked(DomainError):
    code = "already_booked"
    message = "This customer is already booked into this session."


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


class InvalidBookingState(DomainError):
    code = "invalid_booking_state"
    message = "The booking is not in a state that allows this."


class ProductArchived(DomainError):
    code = "product_archived"
    message = "This pass product is archived and can no longer be sold."


class StaffBusy(DomainError):
    code = "staff_busy"
    message = "This staff member is already teaching at that time."


class ResourceBusy(DomainError):
    code = "resource_busy"
    message = "This room or resource is already in use at that time."


class RefundExceedsPaid(DomainError):
    code = "refund_exceeds_paid"
    message = "A refund cannot be larger than what was paid."


def check_days(**days) -> None:
    """Refuse dates outside 2000-2099 with a clear message (None means 'not given')."""
    from passbook.rules.calendar import supported

    for field, day in days.items():
        if day is not None and not supported(day):
            raise InvalidInput("Use a date between 2000 and 2099.", field=field)
