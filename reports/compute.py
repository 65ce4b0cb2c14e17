"""Report content, computed with database aggregation (GROUP BY), never row by row.

Every count is of records in the period: exits by their exit date; training, assistance and
stays by their own dates. People merged into another record are not counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import ExtractYear, TruncMonth

from people.choices import Affiliation, ExitType, RecruitStatus
from people.models import Exit
from reports import compute_programs
from reports.periods import Period
from reports.sections import Sections

EXIT_TYPES = [value for value, _ in ExitType.choices]
AFFILIATIONS = [value for value, _ in Affiliation.choices]
RECRUIT_STATUSES = [value for value, _ in RecruitStatus.choices]
AGE_BANDS = ["under_18", "18_24", "25_34", "35_44", "45_plus", "unknown"]


def with_totals(
    table: dict[str, dict[str, int]], rows: Iterable[str], columns: Iterable[str]
) -> dict:
    """A complete row × column table with row totals, column totals and a grand total."""
    rows, columns = list(rows), list(columns)
    full = {row: {col: table.get(row, {}).get(col, 0) for col in columns} for row in rows}
    for row in rows:
        full[row]["total"] = sum(full[row][col] for col in columns)
    full["total"] = {col: sum(full[row][col] for row in rows) for col in columns}
    full["total"]["total"] = sum(full["total"][col] for col in columns)
    return full


def _pivot(queryset, row_field: str, column_field: str) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for item in queryset.values(row_field, column_field).annotate(n=Count("id")).order_by():
        table[str(item[row_field])][str(item[column_field])] = item["n"]
    return table


def exits_in(period: Period):
    return Exit.objects.of_current_people().filter(
        exit_date__gte=period.start, exit_date__lte=period.end
    )


def exits(period: Period) -> dict:
    return with_totals(
        _pivot(exits_in(period), "exit_type", "affiliation"), EXIT_TYPES, AFFILIATIONS
    )


def by_month(period: Period) -> dict:
    counts = (
        exits_in(period)
        .annotate(month=TruncMonth("exit_date"))
        .values("month", "exit_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for item in counts:
        table[item["month"].strftime("%Y-%m")][item["exit_type"]] = item["n"]
    return with_totals(table, period.months(), EXIT_TYPES)


def recruits(period: Period) -> dict:
    counts = {
        item["recruit_status"]: item["n"]
        for item in exits_in(period).values("recruit_status").annotate(n=Count("id")).order_by()
    }
    by_status = {status: counts.get(status, 0) for status in RECRUIT_STATUSES}
    total = sum(by_status.values())
    return {
        "by_recruit_status": by_status,
        "new_recruit_share": round(by_status["new_recruit"] / total, 4) if total else None,
    }


def by_site(period: Period) -> dict:
    table = _pivot(exits_in(period), "person__location__code", "exit_type")
    return with_totals(table, sorted(table), EXIT_TYPES)


def by_sex_and_age(period: Period) -> dict:
    age = ExtractYear("exit_date") - F("person__birth_year")
    band = Case(
        When(person__birth_year__isnull=True, then=Value("unknown")),
        When(Q(age_at_exit__lt=18), then=Value("under_18")),
        When(Q(age_at_exit__lt=25), then=Value("18_24")),
        When(Q(age_at_exit__lt=35), then=Value("25_34")),
        When(Q(age_at_exit__lt=45), then=Value("35_44")),
        default=Value("45_plus"),
    )
    queryset = exits_in(period).annotate(age_at_exit=age).annotate(age_band=band)
    table = _pivot(queryset, "person__sex", "age_band")
    return with_totals(table, sorted(table), AGE_BANDS)


PEOPLE_SECTIONS: Sections = {
    "exits": exits,
    "by_month": by_month,
    "recruits": recruits,
    "by_site": by_site,
    "by_sex_and_age": by_sex_and_age,
}


def sections() -> Sections:
    """All sections, in order. Programme sections come from `reports.compute_programs`."""
    return {**PEOPLE_SECTIONS, **compute_programs.SECTIONS}


def compute(period: Period, on_step: Callable[[str], None] | None = None) -> dict:
    data: dict = {"kind": period.kind, "period": period.key,
                  "start": period.start.isoformat(), "end": period.end.isoformat()}  # fmt: skip
    for name, section in sections().items():
        if on_step:
            on_step(name)
        data[name] = section(period)
    return data
