"""Helpers of `manage.py bench` (the benchmark itself runs against PostgreSQL: make bench)."""

from portal.benchmarks import measure_alternately


def test_two_actions_are_timed_in_turn_after_their_warm_ups():
    calls = []
    first, second = measure_alternately(
        lambda: calls.append("request"), lambda: calls.append("raw"), runs=3, warmups=1
    )
    assert calls == ["request", "raw"] * 4
    assert len(first.runs) == len(second.runs) == 3
    assert all(seconds >= 0 for seconds in first.runs + second.runs)
