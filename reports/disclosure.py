"""Small-cell suppression for figures that leave the portal or reach analysts.

Primary suppression: a count from 1 to threshold−1 is shown as "<threshold".
Complementary suppression: a table is published with its row and column totals, so a line
(a row or a column, its total included) must never hold exactly one hidden cell — it could
be recovered by subtraction. Lines with a single hidden cell get a second one: the smallest
other cell of the line (inner cells before totals), repeated until no such line is left.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

TOTAL = "total"


def protection_note() -> str:
    """The sentence printed with every protected figure (dashboard, PDF): how small groups
    are protected, in the reader's language."""
    return _(
        "Small numbers are hidden: a count below %(threshold)s is shown as “%(hidden)s”, and "
        "some other cells are hidden so that it cannot be worked out from the totals."
    ) % {"threshold": threshold(), "hidden": hidden_label()}


def threshold() -> int:
    return getattr(settings, "STATISTICS_SUPPRESSION_THRESHOLD", 5)


def hidden_label(limit: int | None = None) -> str:
    return f"<{limit or threshold()}"


def suppressed_cells(
    table: dict[str, dict[str, int]], limit: int | None = None
) -> set[tuple[str, str]]:
    """Cells (row, column) to hide in a table that has 'total' row and column."""
    limit = limit or threshold()
    rows, columns = list(table), list(next(iter(table.values())).keys()) if table else []
    hidden = {(r, c) for r in rows for c in columns if 0 < table[r][c] < limit}
    lines = [[(r, c) for c in columns] for r in rows] + [[(r, c) for r in rows] for c in columns]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden for cell in line) != 1:
                continue
            candidates = [cell for cell in line if cell not in hidden]
            if not candidates:
                continue
            # The smallest inner cell, so that as little as possible is hidden; totals last.
            candidates.sort(
                key=lambda cell: (
                    TOTAL in cell,
                    table[cell[0]][cell[1]] == 0,
                    table[cell[0]][cell[1]],
                )
            )
            hidden.add(candidates[0])
            changed = True
    return hidden


def suppress_table(table: dict[str, dict[str, int]], limit: int | None = None) -> dict[str, dict]:
    hidden = suppressed_cells(table, limit)
    label = hidden_label(limit)
    return {
        r: {c: (label if (r, c) in hidden else v) for c, v in cols.items()}
        for r, cols in table.items()
    }


def suppress_counts(counts: dict[str, int], limit: int | None = None) -> dict:
    """A one-dimensional list of counts with its total (e.g. by recruit status)."""
    table = {"count": {**counts, TOTAL: sum(counts.values())}}
    return suppress_table(table, limit)["count"]


def is_table(value) -> bool:
    return (
        isinstance(value, dict)
        and TOTAL in value
        and all(isinstance(row, dict) and TOTAL in row for row in value.values())
    )


def suppress_report(data: dict, limit: int | None = None) -> dict:
    """A copy of a report's data fit for analysts and publication."""
    safe = {}
    for key, value in data.items():
        if is_table(value):
            safe[key] = suppress_table(value, limit)
        elif isinstance(value, dict):
            safe[key] = _suppress_section(value, limit)
        else:
            safe[key] = value
    return safe


def _suppress_section(section: dict, limit: int | None) -> dict:
    # A share computed from fewer people than the threshold would reveal them too.
    bases = [
        v
        for v in section.values()
        if isinstance(v, dict) and all(isinstance(x, int) for x in v.values())
    ]
    small_base = any(0 < sum(base.values()) < (limit or threshold()) for base in bases)
    safe = {}
    for key, value in section.items():
        if is_table(value):
            safe[key] = suppress_table(value, limit)
        elif isinstance(value, dict) and value and all(isinstance(v, int) for v in value.values()):
            with_total = suppress_counts(value, limit)
            safe[key] = {k: v for k, v in with_total.items() if k != TOTAL}
        elif isinstance(value, float) and small_base:
            safe[key] = None
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 0 < value < (limit or threshold())
        ):
            safe[key] = hidden_label(limit)
        else:
            safe[key] = value
    return safe
