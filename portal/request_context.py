"""The current request, for audit rows and log lines written far from the view."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    source_ip: str | None
    path: str


current: ContextVar[RequestContext | None] = ContextVar("portal_request", default=None)


def get() -> RequestContext | None:
    return current.get()
