from hypothesis import given, settings
from hypothesis import strategies as st

from reports.compute import with_totals
from reports.disclosure import suppress_report, suppress_table, suppressed_cells

LIMIT = 5

tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda rows: st.integers(min_value=1, max_value=5).flatmap(
        lambda cols: st.lists(
            st.lists(st.integers(min_value=0, max_value=40), min_size=cols, max_size=cols),
            min_size=rows,
            max_size=rows,
        )
    )
)


def as_table(grid: list[list[int]]) -> dict:
    rows = [f"r{i}" for i in range(len(grid))]
    columns = [f"c{j}" for j in range(len(grid[0]))]
    raw = {
        row: dict(zip(columns, values, strict=True)) for row, values in zip(rows, grid, strict=True)
    }
    return with_totals(raw, rows, columns)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_small_count_is_ever_shown(grid):
    shown = suppress_table(as_table(grid), LIMIT)
    for row in shown.values():
        for value in row.values():
            assert value == "<5" or not (0 < value < LIMIT)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_hidden_cell_can_be_recovered_from_a_total(grid):
    """Every row and every column (its total included) hides zero or at least two cells."""
    table = as_table(grid)
    hidden = suppressed_cells(table, LIMIT)
    rows, columns = list(table), list(table["total"])
    for line in [[(r, c) for c in columns] for r in rows] + [
        [(r, c) for r in rows] for c in columns
    ]:
        assert sum(cell in hidden for cell in line) != 1


def test_the_familiar_example():
    table = with_totals(
        {"defected": {"soldier": 945, "police": 3, "militia": 64}},
        ["defected", "pow"],
        ["soldier", "police", "militia"],
    )
    shown = suppress_table(table, LIMIT)
    assert shown["defected"]["police"] == "<5"
    # The police column total equals the hidden cell, so it is hidden too.
    assert shown["total"]["police"] == "<5"
    assert (
        shown["defected"]["soldier"] != 945
        or shown["defected"]["total"] == "<5"
        or shown["defected"]["militia"] == "<5"
    )


def test_report_level_suppression_hides_small_shares():
    data = {
        "kind": "monthly",
        "period": "2025-08",
        "recruits": {
            "by_recruit_status": {"new_recruit": 2, "veteran": 1, "unknown": 0},
            "new_recruit_share": 0.6667,
        },
    }
    safe = suppress_report(data, LIMIT)
    assert safe["recruits"]["new_recruit_share"] is None
    assert safe["recruits"]["by_recruit_status"]["new_recruit"] == "<5"
