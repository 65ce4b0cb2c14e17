"""Report periods: `monthly` YYYY-MM, `annual` YYYY, and `since_1027` (from 27 October 2023,
the start of Operation 1027, to the end of the last full month)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from portal.timezones import reporting_today

OPERATION_1027 = date(2023, 10, 27)
KINDS = ("monthly", "annual", "since_1027")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str
    key: str  # "2025-08", "2025" or "since_1027"
    start: date
    end: date  # inclusive

    def months(self) -> list[str]:
        months, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def previous(self) -> Period | None:
        if self.kind == "monthly":
            return parse("monthly", (self.start - timedelta(days=1)).strftime("%Y-%m"))
        if self.kind == "annual":
            return parse("annual", str(self.start.year - 1))
        return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse(kind: str, key: str = "", today: date | None = None) -> Period:
    """The period of a report; raises PeriodError with a readable message."""
    today = today or reporting_today()
    if kind == "monthly":
        match = re.fullmatch(r"(\d{4})-(\d{2})", key or "")
        if not match or not 1 <= int(match[2]) <= 12:
            raise PeriodError("A monthly period is written YYYY-MM, e.g. 2025-08.")
        year, month = int(match[1]), int(match[2])
        period = Period(kind, key, date(year, month, 1), _month_end(year, month))
    elif kind == "annual":
        if not re.fullmatch(r"\d{4}", key or ""):
            raise PeriodError("An annual period is written YYYY, e.g. 2025.")
        period = Period(kind, key, date(int(key), 1, 1), date(int(key), 12, 31))
    elif kind == "since_1027":
        last_full_month_end = today.replace(day=1) - timedelta(days=1)
        period = Period(
            kind, "since_1027", OPERATION_1027, max(last_full_month_end, OPERATION_1027)
        )
    else:
        raise PeriodError(f"Unknown report kind '{kind}'; use one of {', '.join(KINDS)}.")
    if period.start < date(1988, 1, 1) or period.start > today:
        raise PeriodError("The period must lie between 1988 and today.")
    return period


def previous_month(today: date | None = None) -> str:
    today = today or reporting_today()
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
