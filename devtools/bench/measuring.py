"""Timing and query counting for the benchmark: medians of repeated runs, the statements of
one run, and the same SQL sent raw (the time the database and the driver need, without Django).
"""

from __future__ import annotations

import cProfile
import pstats
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Timing:
    """Seconds of each measured run."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.runs), max(self.runs)

    def as_dict(self, unit: float = 1000.0) -> dict:
        low, high = self.spread
        return {
            "median": round(self.median * unit, 2),
            "min": round(low * unit, 2),
            "max": round(high * unit, 2),
            "runs": len(self.runs),
        }


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(action: Callable[[], object], runs: int, warmups: int) -> Timing:
    for _ in range(warmups):
        action()
    return Timing([_seconds(action) for _ in range(runs)])


def measure_alternately(
    first: Callable[[], object], second: Callable[[], object], runs: int, warmups: int
) -> tuple[Timing, Timing]:
    """Time two actions in turn, run after run, so that both see the same machine: on a
    shared machine the load drifts from minute to minute, and two figures measured one
    after the other would compare two different moments."""
    for _ in range(warmups):
        first()
        second()
    pairs = [(_seconds(first), _seconds(second)) for _ in range(runs)]
    return Timing([a for a, _ in pairs]), Timing([b for _, b in pairs])


def count_calls(action: Callable[[], object], runs: int = 3) -> int:
    """The Python function calls of one run of `action` (the median of `runs`), as cProfile
    counts them. Unlike a time, the count is the same on a quiet machine and on a busy one:
    two runs of the benchmark on machines of different speed can be compared by it."""
    counts = []
    for _ in range(runs):
        profiler = cProfile.Profile()
        profiler.runcall(action)
        counts.append(pstats.Stats(profiler).total_calls)
    return int(statistics.median(counts))


TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@dataclass
class Queries:
    """The statements of one run: `count` queries, plus `control` transaction statements
    (BEGIN, SAVEPOINT, RELEASE, COMMIT: round trips, but no work for the database)."""

    statements: list[str]

    @property
    def control(self) -> int:
        return sum(1 for sql in self.statements if _head(sql) in TRANSACTION_CONTROL)

    @property
    def count(self) -> int:
        return len(self.statements) - self.control

    def as_dict(self) -> dict:
        return {"queries": self.count, "transaction_statements": self.control}


def _head(sql: str) -> str:
    return sql.split(None, 1)[0].upper() if sql.strip() else ""


def count_queries(action: Callable[[], object]) -> Queries:
    with CaptureQueriesContext(connection) as captured:
        action()
    return Queries([query["sql"] for query in captured.captured_queries])


def real_queries(statements: list[str]) -> list[str]:
    """The statements that reach the database as queries (not transaction control)."""
    keep = []
    for sql in statements:
        if _head(sql) in TRANSACTION_CONTROL:
            continue
        if _head(sql) == "DECLARE":  # a server-side cursor (QuerySet.iterator): its SELECT
            sql = sql[sql.upper().index(" FOR ") + 5 :]
        sql = _AUDIT_CHAIN_PLACE.sub(r"NULL\1", sql)
        sql = _AUDIT_CHAIN_PLACE_CAST.sub(r"CAST(NULL\1", sql)
        keep.append(_AUDIT_HEAD_GUARD.sub("", sql))
    return keep


# An audit row's place in the hash chain (`chain_seq`, unique), written before the previous
# and own hashes at the end of its row in the INSERT. The request that was captured took
# that place for good: the same INSERT sent again would fail on it, so the replay writes no
# place (the unique index takes a NULL entry all the same) in its rolled-back transaction.
# Every row's, not only the last one's: a batch of audit rows has one place each.
_AUDIT_CHAIN_PLACE = re.compile(r"(?<=, )\d+(, '[0-9a-f]{64}', '[0-9a-f]{64}'\))")
# The same on PostgreSQL, where the head is moved and the rows inserted in one statement
# (`portal.models.audit.write_chained`): each row's values cast to their column's type, and
# the head moved only if it is still the one read when the request ran. By the replay it
# has moved on: without the condition the replay moves it and inserts the rows, as the
# request did, instead of doing neither.
_AUDIT_CHAIN_PLACE_CAST = re.compile(
    r"CAST\(\d+( AS bigint\), CAST\('[0-9a-f]{64}' AS varchar\(64\)\), "
    r"CAST\('[0-9a-f]{64}' AS varchar\(64\)\)\))"
)
_AUDIT_HEAD_GUARD = re.compile(
    r"(?<=WHERE \"id\" = 1) AND \"seq\" = \d+ AND \"hash\" = '[0-9a-f]{64}'(?= RETURNING)"
)


def run_raw(statements: list[str]) -> None:
    """Send the SQL as captured (values inlined by the driver) and fetch every row: the time
    the database and the driver need, without Django.

    In a transaction that is rolled back: a list read writes its audit row and moves the audit
    chain's head, and the same row written again (its chain place taken, the head moved back)
    would fail on the chain's unique place and break the chain for the next request. The
    request has its own BEGIN and COMMIT (ATOMIC_REQUESTS), so the two round trips are its too.
    """
    cursor = connection.connection.cursor()
    try:
        cursor.execute("BEGIN")
        try:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
        finally:
            cursor.execute("ROLLBACK")
    finally:
        cursor.close()
