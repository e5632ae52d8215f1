"""Log lines carry the id of the request they belong to (see web.middleware)."""

import logging
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("passbook_request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True
