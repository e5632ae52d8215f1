"""Spreadsheet downloads: every CSV the back office offers is written here.

A text cell that begins with = + - @, a tab or a carriage return would be run as a
formula by Excel or LibreOffice (CSV injection: a customer named "=HYPERLINK(…)").
Such cells get a leading apostrophe, as OWASP advises; numbers stay numbers.
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_download(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return response
