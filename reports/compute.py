"""Report content, computed with database aggregation (GROUP BY), never row by row.

Every count is of records in the period: exits by their exit date; training, assistance and
stays by their own dates. People merged into another record are not counted twice.

Every count is computed together with its cell key (the cell-key method, `reports.disclosure`):
in the same GROUP BY, the sum of the record keys of the people behind the count. Counts of
records (exits, distributions, attendance marks, stays) sum their people's keys once per
record; counts of distinct people sum the distinct keys. Either way the key depends only on
who is in the cell, so the same group gets the same key in every table, period and rebuild,
and a total's key is the sum of its parts' keys. A section returns its keys under
`disclosure.CELL_KEYS`, in the shape of its figures; `compute` gathers them into one reserved
top-level entry of the report's data.
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, ExtractYear, TruncMonth

from people.choices import VERIFIED_EXITS, Affiliation, ExitType, RecruitStatus
from people.models import Exit
from reports import compute_programs
from reports.disclosure import CELL_KEYS, KEY_RANGE, RATIO
from reports.periods import Period
from reports.sections import Sections

EXIT_TYPES = [value for value, _ in ExitType.choices]
AFFILIATIONS = [value for value, _ in Affiliation.choices]
RECRUIT_STATUSES = [value for value, _ in RecruitStatus.choices]
AGE_BANDS = ["under_18", "18_24", "25_34", "35_44", "45_plus", "unknown"]
VERIFICATION = ["verified", "unverified"]

# The cell key of a count of records about people: their people's keys, once per record.
RECORD_KEYS = Sum("person__record_key")


def cell_key(total) -> int:
    return int(total or 0) % KEY_RANGE


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


def keyed_table(
    counts: dict[str, dict[str, int]],
    keys: dict[str, dict[str, int]],
    rows: Iterable[str],
    columns: Iterable[str],
) -> dict:
    """`with_totals` for the counts and for their keys (a total's people are its parts'
    people, so its key is the sum of theirs), the keys under CELL_KEYS."""
    rows, columns = list(rows), list(columns)
    table = with_totals(counts, rows, columns)
    key_table = with_totals(keys, rows, columns)
    table[CELL_KEYS] = {
        row: {col: value % KEY_RANGE for col, value in cols.items()}
        for row, cols in key_table.items()
    }
    return table


def exits_in(period: Period):
    return Exit.objects.of_current_people().filter(
        exit_date__gte=period.start, exit_date__lte=period.end
    )


def _age_band():
    # In whole years: PostgreSQL's EXTRACT gives a numeric, which the bands below would
    # compare up to five times for each of a year's exits.
    age = Cast(ExtractYear("exit_date"), IntegerField()) - F("person__birth_year")
    return Case(
        When(person__birth_year__isnull=True, then=Value("unknown")),
        When(Q(age_at_exit__lt=18), then=Value("under_18")),
        When(Q(age_at_exit__lt=25), then=Value("18_24")),
        When(Q(age_at_exit__lt=35), then=Value("25_34")),
        When(Q(age_at_exit__lt=45), then=Value("35_44")),
        default=Value("45_plus"),
    ), age


# Every dimension the exit sections group by: one GROUP BY over them all gives cells from
# which each section sums its table (counts and record-key sums add up), one scan of the
# period's exits instead of one per section.
EXIT_DIMENSIONS = (
    "exit_type",
    "affiliation",
    "month",
    "recruit_status",
    "person__location__code",
    "person__sex",
    "age_band",
    "verified",
)

# The cells of the computation under way (`compute`), so that its sections share one query;
# outside a computation (a section called on its own) each section queries afresh.
_exit_cells_memo: ContextVar[dict | None] = ContextVar("exit_cells_memo", default=None)


def exit_cells(period: Period) -> list[dict]:
    """The period's exits counted by every value of `EXIT_DIMENSIONS`, with their keys' sums."""
    memo = _exit_cells_memo.get()
    if memo is not None and period in memo:
        return memo[period]
    band, age = _age_band()
    verified = Case(
        When(verification__in=VERIFIED_EXITS, then=Value("verified")),
        default=Value("unverified"),
    )
    cells = list(
        exits_in(period)
        .annotate(month=TruncMonth("exit_date"), age_at_exit=age)
        .annotate(age_band=band, verified=verified)
        .values(*EXIT_DIMENSIONS)
        .annotate(n=Count("id"), key=RECORD_KEYS)
        .order_by()
    )
    if memo is not None:
        memo[period] = cells
    return cells


def _pivot(period: Period, row_field: str, column_field: str) -> tuple[dict, dict]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    key_sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for cell in exit_cells(period):
        row, column = str(cell[row_field]), str(cell[column_field])
        counts[row][column] += cell["n"]
        key_sums[row][column] += int(cell["key"] or 0)
    keys = {row: {col: cell_key(total) for col, total in cols.items()}
            for row, cols in key_sums.items()}  # fmt: skip
    return {row: dict(cols) for row, cols in counts.items()}, keys


def exits(period: Period) -> dict:
    return keyed_table(*_pivot(period, "exit_type", "affiliation"), EXIT_TYPES, AFFILIATIONS)


def by_month(period: Period) -> dict:
    counts, keys = _pivot(period, "month", "exit_type")
    # The month is a date (its first day): the table's rows are named YYYY-MM.
    month_names = {str(month): month[:7] for month in counts}
    counts = {month_names[month]: row for month, row in counts.items()}
    keys = {month_names[month]: row for month, row in keys.items()}
    return keyed_table(counts, keys, period.months(), EXIT_TYPES)


def recruits(period: Period) -> dict:
    by_column, key_columns = _pivot(period, "recruit_status", "exit_type")
    counts = {status: sum(row.values()) for status, row in by_column.items()}
    keys = {status: cell_key(sum(row.values())) for status, row in key_columns.items()}
    by_status = {status: counts.get(status, 0) for status in RECRUIT_STATUSES}
    total = sum(by_status.values())
    return {
        "by_recruit_status": by_status,
        "new_recruit_share": round(by_status["new_recruit"] / total, 4) if total else None,
        CELL_KEYS: {
            "by_recruit_status": {s: keys.get(s, 0) for s in RECRUIT_STATUSES},
            # The share's base is every exit of the period, the exits table's grand total
            # (the same people, so the same published value).
            "new_recruit_share": [
                RATIO,
                ["recruits", "by_recruit_status", "new_recruit"],
                ["exits", "total", "total"],
                4,
            ],
        },
    }


def by_site(period: Period) -> dict:
    counts, keys = _pivot(period, "person__location__code", "exit_type")
    return keyed_table(counts, keys, sorted(counts), EXIT_TYPES)


def by_sex_and_age(period: Period) -> dict:
    counts, keys = _pivot(period, "person__sex", "age_band")
    return keyed_table(counts, keys, sorted(counts), AGE_BANDS)


def verification(period: Period) -> dict:
    """Exits by type, verified (by a partner or by documents) or not."""
    return keyed_table(*_pivot(period, "exit_type", "verified"), EXIT_TYPES, VERIFICATION)


PEOPLE_SECTIONS: Sections = {
    "exits": exits,
    "by_month": by_month,
    "recruits": recruits,
    "by_site": by_site,
    "by_sex_and_age": by_sex_and_age,
    "verification": verification,
}


def sections() -> Sections:
    """All sections, in order. Programme sections come from `reports.compute_programs`."""
    return {**PEOPLE_SECTIONS, **compute_programs.SECTIONS}


# PostgreSQL settings for the report's own transaction only (SET LOCAL): its hash joins and
# sorts over millions of attendance marks and distributions spill to disk with the default
# 4 MB; and JIT compilation costs 0.3–1.4 s per query, more than it saves on these plans.
REPORT_SETTINGS = {"work_mem": "256MB", "jit": "off"}


@contextmanager
def report_transaction() -> Iterator[None]:
    """A read transaction on the database the report reads from (the replica when
    `reading_from_replica` chose it), with `REPORT_SETTINGS` on PostgreSQL (one statement)."""
    alias = router.db_for_read(Exit)
    with transaction.atomic(using=alias):
        connection = connections[alias]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)",
                    [REPORT_SETTINGS["work_mem"], REPORT_SETTINGS["jit"]],
                )
        yield


def compute(period: Period, on_step: Callable[[str], None] | None = None) -> dict:
    token = _exit_cells_memo.set({})
    try:
        return _sections(period, on_step)
    finally:
        _exit_cells_memo.reset(token)


def _sections(period: Period, on_step: Callable[[str], None] | None) -> dict:
    data: dict = {"kind": period.kind, "period": period.key,
                  "start": period.start.isoformat(), "end": period.end.isoformat()}  # fmt: skip
    keys: dict = {}
    computed = (
        _computed_at_once(period, on_step)
        if _connections_for_sections() > 1
        else _computed_in_turn(period, on_step)
    )
    # In the sections' order, whichever finished first.
    for name in sections():
        figures = computed[name]
        # A section without keys is published withheld (`reports.disclosure`), never exact.
        keys[name] = figures.pop(CELL_KEYS, {})
        data[name] = figures
    data[CELL_KEYS] = keys
    return data


def _computed_in_turn(period: Period, on_step: Callable[[str], None] | None) -> dict:
    computed = {}
    for name, section in sections().items():
        if on_step:
            # Outside the section's transaction: the build's progress is committed, and the
            # page polling it sees the step while the section's queries run.
            on_step(name)
        with report_transaction():
            computed[name] = section(period)
    return computed


def _connections_for_sections() -> int:
    """How many sections to compute at once, each on a connection of its own: the setting
    on PostgreSQL, outside a caller's transaction (whose uncommitted rows other connections
    would not see; and SQLite serialises its readers anyway); otherwise 1."""
    alias = router.db_for_read(Exit)
    connection = connections[alias]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(int(settings.REPORT_BUILD_CONNECTIONS), 1)


# The programme sections that take longest at a million people (docs/performance.md).
LONGEST_SECTIONS = ("assistance", "training")


def _tasks() -> list[list[str]]:
    """The sections in groups, each group computed in turn on one thread, the longest first
    (so that the short ones fill in beside them): the exit sections together, as they share
    one query (`exit_cells`, which the first runs and the others read from the memo)."""
    programmes = list(compute_programs.SECTIONS)
    longest = [name for name in LONGEST_SECTIONS if name in programmes]
    rest = [name for name in programmes if name not in longest]
    return [*([name] for name in longest), list(PEOPLE_SECTIONS), *([name] for name in rest)]


def _computed_at_once(period: Period, on_step: Callable[[str], None] | None) -> dict:
    """The sections computed by a few threads at once, each section in its own transaction
    on its thread's own connection: a build over a million people spends its time in a few
    long queries, each on one core of the database, one after another otherwise.

    The progress is written here, on the calling thread (its errors, such as a job taken
    away, stop the build): the step names the oldest section still being computed."""
    every = sections()
    context = contextvars.copy_context()  # the replica's alias and the exit cells' memo
    computed: dict = {}
    with ThreadPoolExecutor(max_workers=_connections_for_sections()) as pool:
        running = {
            pool.submit(
                context.copy().run, _compute_task, period, [(n, every[n]) for n in task]
            ): task
            for task in _tasks()
        }
        try:
            while running:
                if on_step:
                    on_step(next(iter(running.values()))[0])
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    computed.update(future.result())
        except BaseException:
            for future in running:
                future.cancel()
            raise
    return computed


def _compute_task(period: Period, task: list[tuple[str, Callable[[Period], dict]]]) -> dict:
    """Sections computed in turn on this thread, on its own connection (closed after)."""
    try:
        computed = {}
        for name, section in task:
            with report_transaction():
                computed[name] = section(period)
        return computed
    finally:
        connections.close_all()
