import logging

from portal import request_context


class RequestIdFilter(logging.Filter):
    """Adds the current request id to every log record (a correlation id, not personal data)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get()
        record.request_id = context.request_id if context else "-"
        return True
