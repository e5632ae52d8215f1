"""Owner reports as tables (the back office draws the same tables as charts)."""

from typing import Literal

from ninja import Query, Router, Schema

from passbook import reports
from passbook.api.routers.common import caller, responds
from passbook.api.schemas import Day, ReportOut
from passbook.models import User
from passbook.services import errors

router = Router(tags=["reports"])


class Period(Schema):
    start: Day
    end: Day


@router.get("/reports/{name}", response=responds(200, ReportOut))
def report(
    request,
    name: Literal[tuple(reports.REPORTS)],  # type: ignore[valid-type]  # a run-time Literal
    period: Query[Period],
):
    """One report for a period of local days (liability and owed are as of now)."""
    caller(request).require(User.Role.OWNER)
    errors.check_days(start=period.start, end=period.end)
    if period.end < period.start:
        raise errors.InvalidInput("The end is before the start.", field="end")
    table = reports.REPORTS[name](period.start, period.end)
    return {
        "title": table.title,
        "columns": table.columns,
        "rows": [[str(cell) for cell in row] for row in table.rows],
    }
