"""The verdicts of `make bench-phone` (devtools/bench/phone.py); the measuring is in
scripts/bench_phone.py and needs a browser, so it is not run here."""

import pytest

from devtools.bench.phone import (
    TARGETS,
    median_of,
    misplaced_scripts,
    script_used_marker,
    summary_lines,
    verdicts,
)


def test_a_target_at_its_limit_is_met_and_above_it_missed():
    rows = {
        row["target"]: row
        for row in verdicts({"sign_in_dcl_ms": 3000, "first_visit_bytes": 150_001})
    }
    assert rows["sign_in_dcl_ms"]["verdict"] == "met"
    assert rows["first_visit_bytes"]["verdict"] == "missed"
    assert rows["offline_roster_ms"]["verdict"] == "not measured"
    assert len(rows) == len(TARGETS)


def test_the_median_of_an_even_number_of_runs_is_between_the_middle_two():
    assert median_of([900, 100, 300, 500]) == 400
    with pytest.raises(ValueError):
        median_of([])


def test_a_large_script_is_misplaced_only_where_the_page_does_not_use_it():
    pages = {
        "dashboard": [{"name": "chart.umd.min.abc.js", "size": 210_000, "used": True}],
        "sign-in": [{"name": "htmx.min.def.js", "size": 52_000, "used": False}],
    }
    assert misplaced_scripts(pages) == ["sign-in: htmx.min.def.js"]


def test_hashed_names_find_their_library_and_unknown_scripts_have_no_marker():
    assert script_used_marker("/static/vendor/chartjs-4.6.1/chart.umd.min.0153983c718d.js") == (
        "canvas[data-chart]"
    )
    assert script_used_marker("/static/vendor/other/big.js") is None


def test_the_summary_prints_each_target_with_its_value_limit_and_verdict():
    lines = summary_lines(verdicts({"sign_in_dcl_ms": 2395.4, "misplaced_large_scripts": 2}))
    sign_in = next(line for line in lines if line.startswith("sign-in page"))
    assert "2,395 ms" in sign_in and "<= 3,000 ms" in sign_in and sign_in.endswith("met")
    scripts = next(line for line in lines if line.startswith("large scripts"))
    assert scripts.endswith("missed")
