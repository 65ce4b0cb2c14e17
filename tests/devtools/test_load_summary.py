"""The load test's summary and verdict (devtools.bench.load_summary, `make load`), computed from
locust's CSV report and the servers' logs."""

import json
from pathlib import Path

import pytest

from devtools.bench.load_summary import (
    LoadRun,
    count_problems,
    main,
    read_access_log,
    read_failures,
    read_stats,
    render,
    verdict,
)

STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)
FAILURES_HEADER = "Method,Name,Error,Occurrences,First Seen,Last Seen\n"


def stats_line(method: str, name: str, count: int, failures: int, p50, p95, p99) -> str:
    return (
        f"{method},{name},{count},{failures},{p50},20.5,3.1,400.2,1000.0,12.5,0.0,"
        f"{p50},40,45,50,60,{p95},90,{p99},300,300,300\n"
    )


@pytest.fixture
def report(tmp_path):
    """Writes locust's PREFIX_stats.csv (and PREFIX_failures.csv) and returns the prefix."""

    def write(lines: list[str], failures: list[str] = ()) -> str:
        prefix = tmp_path / "report-single"
        (tmp_path / "report-single_stats.csv").write_text(STATS_HEADER + "".join(lines))
        (tmp_path / "report-single_failures.csv").write_text(FAILURES_HEADER + "".join(failures))
        return str(prefix)

    return write


CLEAN = [
    stats_line("GET", "people list", 300, 0, 25, 60, 120),
    stats_line("GET", "person page", 150, 0, 30, 70, 140),
    stats_line("", "Aggregated", 450, 0, 27, 65, 130),
]


def test_the_rows_are_read_with_their_counts_and_percentiles(report, tmp_path):
    rows = read_stats(report(CLEAN) + "_stats.csv")

    assert [(row.name, row.requests, row.failures) for row in rows] == [
        ("people list", 300, 0),
        ("person page", 150, 0),
        ("Aggregated", 450, 0),
    ]
    assert (rows[1].median_ms, rows[1].p95_ms, rows[1].p99_ms) == (30.0, 70.0, 140.0)
    assert rows[0].per_second == 12.5


def test_a_request_type_without_a_response_has_no_percentiles(report):
    rows = read_stats(
        report([stats_line("GET", "roster", 0, 0, "N/A", "N/A", "N/A")]) + "_stats.csv"
    )

    assert (rows[0].median_ms, rows[0].p95_ms) == (None, None)


def test_a_run_without_failures_or_server_errors_meets_the_target(report):
    run = LoadRun("single", "80 users", read_stats(report(CLEAN) + "_stats.csv"))

    assert verdict(run) == (True, [])
    text = render(run)
    assert "verdict: met - 0 failures in 450 requests, p95 65 ms, median 27 ms" in text
    assert "all requests" in text and "person page" in text


def test_one_failed_request_misses_the_target_and_is_listed(report):
    prefix = report(
        [
            stats_line("POST", "roster save (40 people)", 100, 1, 30, 80, 200),
            stats_line("", "Aggregated", 100, 1, 30, 80, 200),
        ],
        ["POST,roster save (40 people),status 500,1,1700000000,1700000000\n"],
    )
    run = LoadRun(
        "nodes",
        "80 users",
        read_stats(prefix + "_stats.csv"),
        failures=read_failures(Path(prefix + "_failures.csv")),
    )

    assert verdict(run) == (False, ["1 of 100 requests failed"])
    text = render(run)
    assert "failed: POST roster save (40 people): status 500 x1" in text
    assert "verdict: MISSED - 1 of 100 requests failed" in text


def test_a_run_with_no_request_misses_the_target(report):
    run = LoadRun("single", "80 users", read_stats(report([]) + "_stats.csv"))

    assert verdict(run) == (False, ["no request was made"])


def test_errors_and_warnings_in_the_servers_logs_miss_the_target(report, tmp_path):
    gunicorn = tmp_path / "web.log"
    gunicorn.write_text(
        "[2026-01-01 10:00:00 +0000] [12] [INFO] Booting worker with pid: 12\n"
        "[2026-01-01 10:00:05 +0000] [11] [CRITICAL] WORKER TIMEOUT (pid:12)\n"
        "[2026-01-01 10:00:06 +0000] [11] [WARNING] Worker with pid 12 was terminated\n"
    )
    celery = tmp_path / "worker1.log"
    celery.write_text(
        "[2026-01-01 10:00:00,1: INFO/MainProcess] Task portal.tasks.sweep_jobs[1] succeeded\n"
        "[2026-01-01 10:00:01,1: ERROR/MainProcess] Task portal.tasks.sweep_jobs[2] raised\n"
        "Traceback (most recent call last):\n"
    )
    run = LoadRun(
        "single",
        "80 users",
        read_stats(report(CLEAN) + "_stats.csv"),
        server_problems={log.name: count_problems(log) for log in (gunicorn, celery)},
    )

    assert run.server_problems == {"web.log": 2, "worker1.log": 2}
    assert verdict(run) == (
        False,
        ["2 error or warning lines in web.log", "2 error or warning lines in worker1.log"],
    )


def test_the_command_writes_text_and_json_and_exits_non_zero_on_a_failure(report, tmp_path):
    prefix = report(
        [stats_line("GET", "people list", 10, 2, 25, 60, 90)]
        + [stats_line("", "Aggregated", 10, 2, 25, 60, 90)],
        ["GET,people list,status 502,2,1700000000,1700000000\n"],
    )
    out = tmp_path / "summary-single"

    status = main(
        ["--setup", "single", "--description", "10 users, 20s", "--csv", prefix]
        + ["--load-before", "0.5 0.4 0.3", "--load-after", "1.5 0.9 0.5", "--out", str(out)]
        + ["--note", "Celery: 2 jobs run by the workers during the run"]
    )

    assert status == 1
    written = json.loads((tmp_path / "summary-single.json").read_text())
    assert written["passed"] is False
    assert written["reasons"] == ["2 of 10 requests failed"]
    assert written["failures"] == [
        {"method": "GET", "name": "people list", "error": "status 502", "occurrences": 2}
    ]
    assert written["requests"][-1]["p95_ms"] == 60.0
    text = (tmp_path / "summary-single.txt").read_text()
    assert "load average before: 0.5 0.4 0.3; after: 1.5 0.9 0.5" in text
    assert "Celery: 2 jobs run by the workers during the run" in text


def test_the_command_exits_zero_when_the_target_is_met(report, tmp_path):
    status = main(
        ["--setup", "nodes", "--description", "80 users", "--csv", report(CLEAN)]
        + ["--out", str(tmp_path / "summary-nodes")]
    )

    assert status == 0
    assert json.loads((tmp_path / "summary-nodes.json").read_text())["passed"] is True


def test_a_nodes_access_log_gives_its_request_count_and_time_in_gunicorn():
    lines = [f"GET 200 {ms}" for ms in range(1, 101)] + ["POST 302 500", "not an access line"]

    node = read_access_log("web1", lines)

    assert (node.node, node.requests) == ("web1", 101)
    assert (node.median_ms, node.p95_ms) == (51.0, 96.0)
    assert read_access_log("web2", []).p95_ms is None


def test_the_summary_shows_each_nodes_share(report):
    run = LoadRun(
        "nodes",
        "80 users",
        read_stats(report(CLEAN) + "_stats.csv"),
        nodes=[read_access_log("web1", ["GET 200 30"]), read_access_log("web2", ["GET 200 40"])],
    )

    text = render(run)

    assert "web1: 1 requests answered, time in gunicorn median 30 ms, p95 30 ms" in text
    assert "web2: 1 requests answered, time in gunicorn median 40 ms, p95 40 ms" in text
