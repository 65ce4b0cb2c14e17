"""The figures and the verdict of one load-test run (`make load`, scripts/loadtest.sh).

Reads locust's CSV report (`--csv PREFIX`: PREFIX_stats.csv and PREFIX_failures.csv) and the
servers' logs, and writes the run's summary as text and JSON. The verdict is the issue's
target (issue 23): no request failed and no server logged an error. p95 is printed, not
judged: the issue asks for it to be reported, and a time depends on the machine.

Plain Python with no Django import: the load-test script runs it outside the portal
(`python -m devtools.bench.load_summary`), and the tests call its functions on sample CSVs.
Only request names, status codes and counts are read or written: no page content, so no
personal data reaches the summary.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

AGGREGATED = "Aggregated"
# Server log lines that fail a run. gunicorn writes "[ERROR]", "[WARNING]" and tracebacks;
# Celery "ERROR/MainProcess", "CRITICAL/..." and "WARNING/..." (its INFO lines, "Task ...
# succeeded", do not count).
PROBLEM_LINE = re.compile(
    r"\[(?:ERROR|WARNING|CRITICAL)\]|(?:ERROR|WARNING|CRITICAL)/|Traceback|exception", re.I
)


@dataclass(frozen=True)
class RequestFigures:
    """One request type of locust's report (or the aggregate of all of them)."""

    method: str
    name: str
    requests: int
    failures: int
    median_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    per_second: float


@dataclass(frozen=True)
class NodeFigures:
    """What one web node's access log says: how many requests it answered and how long each
    took inside gunicorn (from reading the request to sending the response: the time locust
    measures, less the wait for a free worker and the network)."""

    node: str
    requests: int
    median_ms: float | None
    p95_ms: float | None


@dataclass
class LoadRun:
    """One set-up's run: what ran, locust's figures and the problems the servers logged."""

    setup: str
    description: str
    rows: list[RequestFigures]
    failures: list[dict[str, str | int]] = field(default_factory=list)
    server_problems: dict[str, int] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""
    notes: list[str] = field(default_factory=list)
    nodes: list[NodeFigures] = field(default_factory=list)

    @property
    def total(self) -> RequestFigures | None:
        return next((row for row in self.rows if row.name == AGGREGATED), None)


def _number(value: str) -> float | None:
    """A percentile cell: locust writes "N/A" for a request type with no response."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_stats(path: Path | str) -> list[RequestFigures]:
    """The rows of PREFIX_stats.csv, the aggregate last (as locust writes them)."""
    with open(path, newline="", encoding="utf-8") as file:
        return [
            RequestFigures(
                method=row["Type"],
                name=row["Name"],
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                median_ms=_number(row["50%"]),
                p95_ms=_number(row["95%"]),
                p99_ms=_number(row["99%"]),
                per_second=float(row["Requests/s"]),
            )
            for row in csv.DictReader(file)
        ]


def read_failures(path: Path) -> list[dict[str, str | int]]:
    """PREFIX_failures.csv: request, error ("status 500", a connection error) and count."""
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as file:
        return [
            {
                "method": row["Method"],
                "name": row["Name"],
                "error": row["Error"],
                "occurrences": int(row["Occurrences"]),
            }
            for row in csv.DictReader(file)
        ]


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (as locust's are): the smallest value with at least
    `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def read_access_log(node: str, lines: list[str]) -> NodeFigures:
    """A node's access lines, written by gunicorn as "METHOD STATUS MILLISECONDS" (no path:
    the log holds no person's id); the health checks before the run are not in `lines`."""
    times = [float(line.split()[2]) for line in lines if len(line.split()) == 3]
    return NodeFigures(node, len(times), percentile(times, 0.5), percentile(times, 0.95))


def count_problems(log: Path) -> int:
    """How many lines of a server log report an error or a warning (0 for a missing log)."""
    if not log.exists():
        return 0
    with open(log, encoding="utf-8", errors="replace") as file:
        return sum(1 for line in file if PROBLEM_LINE.search(line))


def verdict(run: LoadRun) -> tuple[bool, list[str]]:
    """Whether the run met the target, and why not: every reason that failed it."""
    reasons = []
    total = run.total
    if total is None or total.requests == 0:
        reasons.append("no request was made")
    elif total.failures:
        reasons.append(f"{total.failures} of {total.requests} requests failed")
    for log, problems in sorted(run.server_problems.items()):
        if problems:
            reasons.append(f"{problems} error or warning lines in {log}")
    return not reasons, reasons


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def render(run: LoadRun) -> str:
    passed, reasons = verdict(run)
    lines = [
        f"load test, {run.setup}: {run.description}",
        f"load average before: {run.load_before or '?'}; after: {run.load_after or '?'}",
        f"{'request':<34} {'requests':>8} {'failures':>8} {'median':>7} {'p95':>7} "
        f"{'p99':>7} {'req/s':>6}",
    ]
    for row in run.rows:
        name = "all requests" if row.name == AGGREGATED else row.name
        lines.append(
            f"{name:<34} {row.requests:>8} {row.failures:>8} {_ms(row.median_ms):>7} "
            f"{_ms(row.p95_ms):>7} {_ms(row.p99_ms):>7} {row.per_second:>6.1f}"
        )
    lines.append("(times in ms)")
    for failure in run.failures:
        lines.append(
            f"failed: {failure['method']} {failure['name']}: {failure['error']} "
            f"x{failure['occurrences']}"
        )
    for node in run.nodes:
        lines.append(
            f"{node.node}: {node.requests} requests answered, time in gunicorn median "
            f"{_ms(node.median_ms)} ms, p95 {_ms(node.p95_ms)} ms"
        )
    lines.extend(run.notes)
    total = run.total
    if passed and total is not None:
        lines.append(
            f"verdict: met - 0 failures in {total.requests} requests, "
            f"p95 {_ms(total.p95_ms)} ms, median {_ms(total.median_ms)} ms"
        )
    else:
        lines.append(f"verdict: MISSED - {'; '.join(reasons)}")
    return "\n".join(lines) + "\n"


def as_json(run: LoadRun) -> dict:
    passed, reasons = verdict(run)
    return {
        "setup": run.setup,
        "description": run.description,
        "load_before": run.load_before,
        "load_after": run.load_after,
        "requests": [asdict(row) for row in run.rows],
        "failures": run.failures,
        "server_problems": run.server_problems,
        "nodes": [asdict(node) for node in run.nodes],
        "notes": run.notes,
        "passed": passed,
        "reasons": reasons,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", required=True, help="Short name: single, nodes.")
    parser.add_argument("--description", required=True, help="What ran, one line.")
    parser.add_argument("--csv", required=True, type=Path, help="locust's --csv prefix.")
    parser.add_argument("--log", action="append", type=Path, default=[], help="A server log.")
    parser.add_argument(
        "--access-log", action="append", type=Path, default=[], help="A web node's access log."
    )
    parser.add_argument("--load-before", default="")
    parser.add_argument("--load-after", default="")
    parser.add_argument("--note", action="append", default=[], help="A line for the summary.")
    parser.add_argument("--out", required=True, type=Path, help="Writes OUT.txt and OUT.json.")
    options = parser.parse_args(argv)

    run = LoadRun(
        setup=options.setup,
        description=options.description,
        rows=read_stats(Path(f"{options.csv}_stats.csv")),
        failures=read_failures(Path(f"{options.csv}_failures.csv")),
        server_problems={log.name: count_problems(log) for log in options.log},
        load_before=options.load_before,
        load_after=options.load_after,
        notes=options.note,
        nodes=[
            read_access_log(log.name.split(".")[0], log.read_text(encoding="utf-8").splitlines())
            for log in options.access_log
        ],
    )
    text = render(run)
    options.out.with_suffix(".txt").write_text(text, encoding="utf-8")
    options.out.with_suffix(".json").write_text(
        json.dumps(as_json(run), indent=2) + "\n", encoding="utf-8"
    )
    sys.stdout.write(text)
    return 0 if verdict(run)[0] else 1


if __name__ == "__main__":
    sys.exit(main())
