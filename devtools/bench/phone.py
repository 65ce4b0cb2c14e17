"""Weak signal on a phone (issue 23): the targets of `make bench-phone`, their verdicts and
the printed summary. scripts/bench_phone.py measures in Chromium; this module only judges, so
that the rules can be tested without a browser."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

# The network of the issue, as Chrome DevTools' Network.emulateNetworkConditions takes it:
# 400 kbit/s down, 200 kbit/s up (in bytes per second), 400 ms round trip.
WEAK_SIGNAL = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 25_000,
}
PHONE_VIEWPORT = {"width": 390, "height": 844}
# A script above this size (uncompressed) counts as large: it may load only where it is used.
LARGE_SCRIPT_BYTES = 30_000
# What a page holds when it uses each large library (a CSS selector); a large script not named
# here counts as unused until it is added.
LARGE_SCRIPT_MARKERS = {
    "chart.umd": "canvas[data-chart]",
    "htmx": "[hx-get], [hx-post], [hx-put], [hx-patch], [hx-delete], [hx-boost]",
    # The phone's menu button, dismissible alerts, collapsible parts.
    "bootstrap.bundle": "[data-bs-toggle], [data-bs-dismiss]",
    # Offline attendance on a trainer's pages (programs/_offline.html).
    "offline-store": "[data-offline-attendance]",
}


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    limit: float
    unit: str


TARGETS = [
    Target("sign_in_dcl_ms", "sign-in page usable (DOMContentLoaded), empty cache", 3000, "ms"),
    Target("first_visit_bytes", "first visit, bytes transferred", 150_000, "B"),
    Target("home_to_roster_ms", "trainer's home -> roster usable, warm cache", 1500, "ms"),
    Target("offline_roster_ms", "roster reloaded offline (service worker)", 500, "ms"),
    Target("misplaced_large_scripts", "large scripts on pages that do not use them", 0, ""),
]


def median_of(values: list[float]) -> float:
    """The median of the runs; a single run is its own median."""
    if not values:
        raise ValueError("no measurement")
    return float(median(values))


def script_used_marker(path: str) -> str | None:
    """The selector of what a page holds when it uses the script at `path`, if known."""
    name = path.rsplit("/", 1)[-1]
    return next((marker for key, marker in LARGE_SCRIPT_MARKERS.items() if key in name), None)


def misplaced_scripts(pages: dict[str, list[dict]]) -> list[str]:
    """`page: script` for each large script a page loads without using it.

    `pages` maps a page's name to the large scripts it loaded, each `{"name", "size", "used"}`
    (`used`: the page holds what the script works on, e.g. a chart's canvas for Chart.js)."""
    return [
        f"{page}: {script['name']}"
        for page, scripts in pages.items()
        for script in scripts
        if not script["used"]
    ]


def verdicts(figures: dict[str, float]) -> list[dict]:
    """One row per target: its value, limit and "met"/"missed" ("not measured" when absent)."""
    rows = []
    for target in TARGETS:
        value = figures.get(target.key)
        if value is None:
            verdict = "not measured"
        else:
            verdict = "met" if value <= target.limit else "missed"
        rows.append(
            {
                "target": target.key,
                "label": target.label,
                "value": value,
                "limit": target.limit,
                "unit": target.unit,
                "verdict": verdict,
            }
        )
    return rows


def summary_lines(rows: list[dict]) -> list[str]:
    """The table printed at the end: each target, its value, the limit and the verdict."""
    lines = [f"{'target':<56} {'value':>10} {'limit':>10}  verdict"]
    for row in rows:
        value = "-" if row["value"] is None else f"{row['value']:,.0f} {row['unit']}".strip()
        limit = f"<= {row['limit']:,.0f} {row['unit']}".strip()
        lines.append(f"{row['label']:<56} {value:>10} {limit:>10}  {row['verdict']}")
    return lines
