"""The benchmark's targets, the verdict on each, and the figures as a plain-text table."""

from __future__ import annotations

from devtools.bench.fixtures import IMPORT_ROWS, ROSTER_SIZE
from devtools.bench.memory import MEMORY_ROWS, MINIMAL_ROWS
from devtools.bench.scenarios import Scenarios, SizeResult

# Issue 23's targets. Those stated at a million people are judged at that size only (printed,
# not judged, at smaller ones); the others at every size, or at the largest one measured.
FULL_SIZE = 1_000_000
PEER_SIZE = 100_000  # the portal's list against the peer admin is judged from this size up
# Issue 8's size: the lists were to answer in 50 ms at 100,000 people, and issue 21's ranked
# search was to keep them there. Judged there too, apart from issue 23's million.
ISSUE_8_SIZE = 100_000
TARGETS = {
    "list_ms": 50.0,  # HTML and API, at FULL_SIZE
    "list_django_ms": 12.0,  # Django's part (request minus its raw SQL), at every size
    "peer_speedup": 5.0,  # peer admin's median ÷ the portal's, at PEER_SIZE and up
    "roster_save_queries": 8,
    "dashboard_ms": 30.0,
    "annual_report_s": 5.0,  # at FULL_SIZE
    "cumulative_report_s": 10.0,  # at FULL_SIZE (since 27 October 2023)
    # Issue 21: candidate lookup for one intake, judged at FULL_SIZE on PostgreSQL.
    "candidate_lookup_ms": 100.0,
    # Issue 23: 100,000 rows through the worker's import job, and (issue 18) any file within
    # the upload limit in it: the benchmark's 100,000 rows and the worst case, the most rows
    # with the least in each.
    "import_s": 30.0,
    "import_peak_rss_mb": 300.0,
    # Every person of FULL_SIZE streamed to the encrypted ZIP.
    "export_peak_rss_mb": 200.0,
    "export_rows_per_s": 20_000.0,
    "seed_s": 600.0,  # seed_demo up to FULL_SIZE
}


def _at_full_size(people: int) -> str:
    return f"at {people:,} people" + ("" if people >= FULL_SIZE else " (judged at 1,000,000)")


def verdicts(results: list[SizeResult]) -> list[dict]:
    """Each target, with the figure it is judged on and whether it is met (None: printed,
    not judged at the sizes measured)."""
    if not results:
        return []
    largest = results[-1].figures
    people = results[-1].people
    full = people >= FULL_SIZE
    checks = []

    def check(name: str, value, limit, met: bool | None, unit: str = "") -> None:
        checks.append({"target": name, "value": value, "limit": limit, "unit": unit, "met": met})

    def at_each_size(key: str, field: str) -> list:
        return [r.figures[key][field] for r in results if key in r.figures]

    for key, label in (("list_html", "people list (HTML)"), ("list_api", "people list (API)")):
        figure = largest.get(key)
        if not figure:
            checks.append({"target": f"{label}: not measured", "met": None})
            continue
        check(f"{label} median {_at_full_size(people)}", figure["median"], TARGETS["list_ms"],
              figure["median"] <= TARGETS["list_ms"] if full else None, "ms")  # fmt: skip
        for result in results:
            if result.people == ISSUE_8_SIZE and key in result.figures:
                median = result.figures[key]["median"]
                check(f"{label} at {ISSUE_8_SIZE:,} people (issues 8 and 21), median", median,
                      TARGETS["list_ms"], median <= TARGETS["list_ms"], "ms")  # fmt: skip
        parts = at_each_size(key, "django_ms")
        check(f"{label} Django's part at each size, ms", parts, TARGETS["list_django_ms"],
              all(part <= TARGETS["list_django_ms"] for part in parts), "ms")  # fmt: skip
        counts = at_each_size(key, "queries")
        check(f"{label} queries equal at every size", counts, "equal", len(set(counts)) == 1)
    _peer_checks(results, check)
    floors = at_each_size("floor", "django_ms")
    if floors:
        check("signed-in page with no content, Django's part, ms", floors, "none set", None, "ms")
    if roster := largest.get("roster_save"):
        check("roster save queries", roster["queries"], TARGETS["roster_save_queries"],
              roster["queries"] <= TARGETS["roster_save_queries"])  # fmt: skip
    if dashboard := largest.get("dashboard"):
        check("dashboard median", dashboard["median"], TARGETS["dashboard_ms"],
              dashboard["median"] <= TARGETS["dashboard_ms"], "ms")  # fmt: skip
    if annual := largest.get("annual_report"):
        check(f"annual report build {_at_full_size(people)}", annual["median"],
              TARGETS["annual_report_s"],
              annual["median"] <= TARGETS["annual_report_s"] if full else None, "s")  # fmt: skip
    if cumulative := largest.get("cumulative_report"):
        check(f"cumulative report build {_at_full_size(people)}", cumulative["median"],
              TARGETS["cumulative_report_s"],
              cumulative["median"] <= TARGETS["cumulative_report_s"] if full else None,
              "s")  # fmt: skip
    if lookup := largest.get("candidate_lookup"):
        check(f"candidate lookup for one intake median {_at_full_size(people)}",
              lookup["median"], TARGETS["candidate_lookup_ms"],
              lookup["median"] <= TARGETS["candidate_lookup_ms"] if full else None,
              "ms")  # fmt: skip
    _import_checks(largest, check)
    if exported := largest.get("export"):
        check(f"export of {exported['rows']:,} people, peak RSS {_at_full_size(people)}",
              exported["peak_rss_mb"], TARGETS["export_peak_rss_mb"],
              exported["peak_rss_mb"] <= TARGETS["export_peak_rss_mb"] if full else None,
              "MB")  # fmt: skip
        check(f"export of {exported['rows']:,} people, rows/s {_at_full_size(people)}",
              exported["rows_per_s"], TARGETS["export_rows_per_s"],
              exported["rows_per_s"] >= TARGETS["export_rows_per_s"] if full else None,
              "rows/s")  # fmt: skip
    _seed_check(results, check)
    return checks


def _peer_checks(results: list[SizeResult], check) -> None:
    """The portal's HTML list against the peer admin's change list, measured in the same run:
    at least `peer_speedup` times faster from PEER_SIZE up; the peer's query counts shown."""
    pairs = [
        (r.people, r.figures["peer_admin"]["median"] / r.figures["list_html"]["median"])
        for r in results
        if "peer_admin" in r.figures and "list_html" in r.figures
    ]
    if not pairs:
        return
    judged = [speedup for people, speedup in pairs if people >= PEER_SIZE]
    check("people list (HTML) × faster than the peer admin at each size",
          [round(speedup, 1) for _, speedup in pairs], TARGETS["peer_speedup"],
          all(speedup >= TARGETS["peer_speedup"] for speedup in judged) if judged else None,
          "×")  # fmt: skip
    counts = [r.figures["peer_admin"]["queries"] for r in results if "peer_admin" in r.figures]
    check("peer admin list queries at each size", counts, "none set", None)


def _import_checks(largest: dict, check) -> None:
    if imported := largest.get("import"):
        # The in-process import of the earlier targets, kept for comparison: not judged.
        check(f"import of {imported['rows']:,} rows in-process", imported["rows_per_s"],
              "none set", None, "rows/s")  # fmt: skip
    if job := largest.get("import_memory"):
        check(f"import job, {job['rows']:,} rows, time", job["seconds"], TARGETS["import_s"],
              job["seconds"] <= TARGETS["import_s"], "s")  # fmt: skip
    for key, kind in (("import_memory", ""), ("import_memory_minimal", " with a name and a site")):
        if memory := largest.get(key):
            check(f"import job peak RSS, {memory['rows']:,} rows{kind}", memory["peak_rss_mb"],
                  TARGETS["import_peak_rss_mb"],
                  memory["peak_rss_mb"] <= TARGETS["import_peak_rss_mb"], "MB")  # fmt: skip


def _seed_check(results: list[SizeResult], check) -> None:
    """seed_demo up to FULL_SIZE: the sum of the top-ups that grew the database to it (the
    benchmark grows one database size by size)."""
    grown = [r for r in results if r.people <= FULL_SIZE]
    if not grown or grown[-1].people < FULL_SIZE:
        return
    times = [r.figures.get("seed_s") for r in grown]
    if None in times:
        check(f"seed_demo up to {FULL_SIZE:,} people: a size was already seeded, not timed",
              None, TARGETS["seed_s"], None, "s")  # fmt: skip
        return
    total = round(sum(times), 1)
    check(f"seed_demo up to {FULL_SIZE:,} people (sum of the top-ups)", total, TARGETS["seed_s"],
          total <= TARGETS["seed_s"], "s")  # fmt: skip


def _speedup(figures: dict) -> str:
    if "peer_admin" not in figures or "list_html" not in figures:
        return "—"
    return f"×{figures['peer_admin']['median'] / figures['list_html']['median']:.1f}"


def table(results: list[SizeResult]) -> str:
    """The figures as a plain-text table, one column per size."""

    def cell(figures: dict, key: str) -> str:
        figure = figures.get(key)
        if not figure:
            return "not measured"
        if key == "import":
            return f"{figure['rows_per_s']:,} rows/s ({figure['median']:.2f} s)"
        if key in ("import_memory", "import_memory_minimal"):
            return (
                f"{figure['seconds']:.1f} s, peak RSS {figure['peak_rss_mb']:.0f} MB (before"
                f" the job {figure['peak_rss_before_mb']:.0f} MB), {figure['rows_per_s']:,} rows/s"
            )
        if key == "export":
            return (
                f"{figure['rows']:,} rows, {figure['rows_per_s']:,} rows/s"
                f" ({figure['seconds']:.1f} s), peak RSS {figure['peak_rss_mb']:.0f} MB (before"
                f" the job {figure['peak_rss_before_mb']:.0f} MB), ZIP {figure['zip_mb']:.1f} MB"
            )
        queries = f"{figure['queries']} q"
        if figure.get("transaction_statements"):
            queries += f" +{figure['transaction_statements']} tx"
        if key == "annual_report":
            return f"{figure['median']:.2f} s, {queries}"
        text = f"{figure['median']:.1f} ms, {queries}"
        if "ratio" in figure:
            calls = f", {figure['python_calls']:,} calls" if "python_calls" in figure else ""
            text += (
                f" (raw {figure['raw_sql']['median']:.1f} ms, ×{figure['ratio']:.2f};"
                f" Django {figure['django_ms']:.1f} ms{calls})"
            )
        if key == "candidate_lookup":
            text += f", found its person in {figure['found_own_person']:.0%}"
        if key == "roster_save":
            text += f" (service {figure['service_queries']} q)"
        return text

    rows = [
        ("people list, HTML", "list_html"),
        ("people list, API", "list_api"),
        ("peer: plain ModelAdmin list", "peer_admin"),
        ("signed-in page, no content", "floor"),
        ("person page", "person_page"),
        (f"roster save ({ROSTER_SIZE} people)", "roster_save"),
        ("dashboard (stored report)", "dashboard"),
        ("candidate lookup for one intake", "candidate_lookup"),
        ("annual report build", "annual_report"),
        (f"import {IMPORT_ROWS:,} rows, in-process", "import"),
        (f"import job {MEMORY_ROWS:,} rows, own process", "import_memory"),
        (f"import job {MINIMAL_ROWS:,} minimal rows, own process", "import_memory_minimal"),
        ("export job, every person, own process", "export"),
    ]
    header = ["median of the runs"] + [f"{r.people:,} people" for r in results]
    body = [[label] + [cell(r.figures, key) for r in results] for label, key in rows]
    body.append(["list matches"] + [f"{r.figures.get('list_matches', 0):,}" for r in results])
    body.append(["portal list × faster than the peer"] + [_speedup(r.figures) for r in results])
    body.append(["seed (top-up) time"] + [r.figures.get("seed", "—") for r in results])
    body.append(
        ["cumulative report build"]
        + [
            f"{r.figures['cumulative_report']['median']:.2f} s"
            if "cumulative_report" in r.figures
            else "—"
            for r in results
        ]
    )
    labels = [label for label, *_ in Scenarios.OTHER_PAGES]
    for label in labels:
        cells = []
        for r in results:
            figure = r.figures.get("other_pages", {}).get(label)
            cells.append(
                f"{figure['median']:.1f} ms, {figure['queries']} q, {figure['bytes'] // 1024} KiB"
                if figure
                else "—"
            )
        body.append([f"other: {label}"] + cells)
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    lines = [" | ".join(str(v).ljust(w) for v, w in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join(lines)
