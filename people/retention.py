"""The retention rule for closed cases, in one place (a leaf module: settings only).

A closed case is anonymised (`people.services.anonymise_for_retention`) once it has been
closed for `RETENTION_CLOSED_CASE_DAYS` days (0: never), unless someone keeps it with a
reason (`RetentionHold`). "Closed since" is read from `CLOSED_SINCE_FIELD`: until cases carry
a closing date, the person's last change (`updated_at`) while its status is closed, which
can only be later than the real closing, so a case is never anonymised early.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

CLOSED_SINCE_FIELD = "updated_at"
# The monthly list shows the cases that will be anonymised within this many days.
NOTICE_DAYS = 31


def period() -> timedelta | None:
    """How long a case stays closed before it is anonymised; None when retention is off."""
    days = settings.RETENTION_CLOSED_CASE_DAYS
    return timedelta(days=days) if days > 0 else None


def cutoff(now: datetime, ahead: timedelta = timedelta(0)) -> datetime | None:
    """Cases closed before this moment are due by `now + ahead`."""
    kept_for = period()
    return None if kept_for is None else now + ahead - kept_for


def closed_since(person) -> datetime:
    return getattr(person, CLOSED_SINCE_FIELD)


def due_on(person) -> date | None:
    """The day a closed case becomes due for anonymisation (local date), or None."""
    kept_for = period()
    if kept_for is None:
        return None
    return timezone.localdate(closed_since(person) + kept_for)
