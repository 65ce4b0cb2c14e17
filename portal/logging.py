"""Log filters: a request id on every line, and no query string in any request line.

A URL's query string may hold a name, a phone number or a case number (a client that sends
`?q=...` is refused, but the request is logged before it is answered), and logs are kept,
copied and read by people who may not see the records. So every request line the portal's
processes log is the path alone:

- gunicorn's access log prints `%(U)s` (the path) in its `--access-logformat` (Procfile), and
  its error log (an invalid request line is quoted in full) goes through `GunicornLogger`;
- the development server (`manage.py runserver`) logs through the `django.server` logger,
  filtered by `WithoutQueryString` (config/settings.py, LOGGING);
- Django's own request warnings (`django.request`) print `request.path`, without the query.
"""

from __future__ import annotations

import logging
import re

from portal import request_context

HTTP_VERSION = " HTTP/"
# The end of a server's error message that quotes what the client sent, e.g. runserver's
# "Bad request syntax ('GET /a b HTTP/1.1')" or gunicorn's "Invalid HTTP Version: 'b c'".
QUOTED_CLIENT_TEXT = re.compile(r"""(\s*\((['"]).*\2\)|:\s*(['"]).*\3)$""", re.DOTALL)


def without_query_string(text: str) -> str:
    """`text` with the query string of the request line it holds removed: from the first `?`
    to the protocol (` HTTP/1.1`), or to the end when there is none. A malformed request line
    (a query with spaces) loses everything up to the protocol too."""
    start = text.find("?")
    if start < 0:
        return text
    end = text.rfind(HTTP_VERSION)
    return text[:start] + (text[end:] if end > start else "")


class RequestIdFilter(logging.Filter):
    """Adds the current request id to every log record (a correlation id, not personal data)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get()
        record.request_id = context.request_id if context else "-"
        return True


def without_client_text(message: str) -> str:
    """A server's log message without a query string and without the client's text that an
    error message quotes at its end (a malformed request line, a bad header)."""
    return QUOTED_CLIENT_TEXT.sub("", without_query_string(message))


class WithoutQueryString(logging.Filter):
    """For the loggers of web servers (runserver's `django.server`, gunicorn's error log):
    the message is formatted here, then stripped of the query string of the request line it
    holds and of the client's text quoted by an error message, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = without_client_text(message), ()
        return True
