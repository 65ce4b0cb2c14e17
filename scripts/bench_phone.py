#!/usr/bin/env python3
"""Weak signal on a phone (issue 23, docs/performance.md): `make bench-phone`.

Prepares its own database (var/bench-phone/portal.sqlite3, or DATABASE_URL when set), seeds
the demo data, starts the portal as in production (scripts/production_server.sh) and drives
Debian's Chromium at phone size through DevTools' network emulation (400 kbit/s down,
200 kbit/s up, 400 ms round trip). Prints each target with its median over the runs and its
verdict (devtools/bench/phone.py) and writes var/bench-phone.json. Exits non-zero only when
it could not measure, not on a missed target.

Environment: BENCH_PHONE_PORT (8790), BENCH_PHONE_RUNS (3).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.bench.phone import (  # noqa: E402 - the project is importable from its root
    LARGE_SCRIPT_BYTES,
    PHONE_VIEWPORT,
    WEAK_SIGNAL,
    median_of,
    misplaced_scripts,
    script_used_marker,
    summary_lines,
    verdicts,
)

PORT = int(os.environ.get("BENCH_PHONE_PORT", "8790"))
RUNS = int(os.environ.get("BENCH_PHONE_RUNS", "3"))
HOST = f"http://127.0.0.1:{PORT}"
OUT = ROOT / "var" / "bench-phone"
REPORT = ROOT / "var" / "bench-phone.json"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
CHROMIUM = "/usr/bin/chromium"
# As tests/e2e/conftest.py launches it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TRAINER = "trainer@demo.example"
TIMEOUT_MS = 30_000

# The navigation timing of the page shown, in ms from the start of its navigation.
NAVIGATION = """() => {
  const entry = performance.getEntriesByType("navigation")[0];
  return {dcl: entry.domContentLoadedEventEnd, load: entry.loadEventEnd,
          workerStart: entry.workerStart, requestStart: entry.requestStart,
          responseStart: entry.responseStart, responseEnd: entry.responseEnd};
}"""
SCRIPTS = "() => Array.from(document.scripts, (script) => script.src).filter(Boolean)"


def log(message: str) -> None:
    print(f"bench-phone: {message}", flush=True)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    OUT.mkdir(parents=True, exist_ok=True)
    env.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'portal.sqlite3'}")
    env["VAR_DIR"] = str(OUT / "var")
    # One throw-away key for the sessions made below and for the server.
    env["SECRET_KEY"] = "bench-phone-" + secrets.token_hex(32)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - the project's own manage.py
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DEBUG": "True"},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return result.stdout


def prepare(env: dict[str, str]) -> dict:
    """Migrated, seeded, and signed-in sessions of the demo case worker and analyst (who would
    need a TOTP code in the form), with the demo trainer's 40-person session of today."""
    log("migrating and seeding the demo data")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "seed_demo")
    return json.loads(
        manage(env, "bench_session", TRAINER, "caseworker@demo.example", "analyst@demo.example")
    )


def start_server(env: dict[str, str]) -> subprocess.Popen:
    log(f"starting the production server on {HOST}")
    server = subprocess.Popen(  # noqa: S603 - the project's own script
        [str(ROOT / "scripts" / "production_server.sh"), str(PORT), str(OUT), "2"],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (status {server.returncode})")
        try:
            with urllib.request.urlopen(f"{HOST}/healthz", timeout=2):  # noqa: S310 - loopback
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    # collectstatic (compressing every file the first time) and the workers start first.
    raise RuntimeError("the server did not answer /healthz within 300 s")


def phone(browser):
    return browser.new_context(
        viewport=PHONE_VIEWPORT,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
        locale="en-GB",
    )


def weak_signal(page: Page, transferred: list[int] | None = None):
    """DevTools' network emulation on the page; adds each response's bytes on the wire
    (headers and compressed body) to `transferred`."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", WEAK_SIGNAL)
    if transferred is not None:
        cdp.on(
            "Network.loadingFinished",
            lambda event: transferred.append(event["encodedDataLength"]),
        )
    return cdp


class ServiceWorkerNetwork:
    """Network conditions for the service workers too: a page's emulation does not reach the
    requests its service worker makes, and the worker asks the network first for a roster.
    Playwright has no session for a worker, so the browser's session sends the commands to
    each worker's target, through one attachment per worker (a second attachment's
    conditions would not replace the first's)."""

    def __init__(self, browser) -> None:
        self.session = browser.new_browser_cdp_session()
        self.attached: dict[str, str] = {}
        self.sent = 0

    def emulate(self, conditions: dict) -> int:
        """Applies `conditions` to every service worker; returns how many there are."""
        targets = self.session.send("Target.getTargets")["targetInfos"]
        for target in targets:
            if target["type"] != "service_worker":
                continue
            if target["targetId"] not in self.attached:
                attached = self.session.send(
                    "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
                )
                self.attached[target["targetId"]] = attached["sessionId"]
                self._send(attached["sessionId"], "Network.enable", {})
            self._send(
                self.attached[target["targetId"]], "Network.emulateNetworkConditions", conditions
            )
        return len(self.attached)

    def _send(self, session_id: str, method: str, params: dict) -> None:
        self.sent += 1
        message = json.dumps({"id": self.sent, "method": method, "params": params})
        self.session.send(
            "Target.sendMessageToTarget", {"sessionId": session_id, "message": message}
        )


def sign_in_page(browser) -> tuple[float, int]:
    """DOMContentLoaded of the sign-in page on an empty cache, and the bytes of the visit."""
    context = phone(browser)
    page = context.new_page()
    transferred: list[int] = []
    weak_signal(page, transferred)
    page.goto(f"{HOST}/accounts/login/", wait_until="load", timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    timing = page.evaluate(NAVIGATION)
    context.close()
    return timing["dcl"], sum(transferred)


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto(f"{HOST}/accounts/login/")
    try:
        page.locator("input[name=login]").fill(email)
    except Exception:
        # What the browser showed instead of the form, for whoever reads the failure.
        page.screenshot(path=str(OUT / "sign-in-failed.png"))
        (OUT / "sign-in-failed.html").write_text(page.content())
        raise
    page.locator("input[name=password]").fill(password)
    page.locator("main form").locator("button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def trainer_roster(browser, roster_id: int, password: str) -> tuple[list[float], list[float], list]:
    """The demo trainer signed in: home -> roster with a warm cache, then the roster reloaded
    offline (from the copy the service worker keeps). Times in ms, runs after a warm-up."""
    context = phone(browser)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, TRAINER, password)
    roster = f"/programs/sessions/{roster_id}/roster/"
    # Warm-up: the roster's own files in the cache, the service worker installed and holding
    # a copy of the roster.
    page.goto(f"{HOST}{roster}")
    expect(page.locator("html[data-offline-ready]")).to_have_count(1, timeout=TIMEOUT_MS)
    weak_signal(page)
    workers = ServiceWorkerNetwork(browser)
    if not workers.emulate(WEAK_SIGNAL):
        raise RuntimeError("no service worker after the roster was kept on the phone")
    online, timings = [], []
    for _ in range(RUNS):
        page.goto(f"{HOST}/")
        page.locator(f'a[href="{roster}"]').first.click()
        page.wait_for_url(f"**{roster}")
        expect(page.locator("#roster-form fieldset").first).to_be_visible()
        timing = page.evaluate(NAVIGATION)
        online.append(timing["dcl"])
        timings.append(timing)
    # Offline for the page (Playwright) and for the worker (which would otherwise still
    # reach the server through the emulated weak signal).
    context.set_offline(True)
    workers.emulate({**WEAK_SIGNAL, "offline": True})
    offline = []
    for _ in range(RUNS):
        page.reload()
        expect(page.locator("html[data-offline-copy]")).to_have_count(1)
        expect(page.locator("#roster-form fieldset").first).to_be_visible()
        offline.append(page.evaluate(NAVIGATION)["dcl"])
    context.close()
    return online, offline, timings


def large_scripts(page: Page, static_root: Path) -> list[dict]:
    """The large scripts the page loaded, each with whether the page uses it."""
    found = []
    for src in dict.fromkeys(page.evaluate(SCRIPTS)):
        path = src.removeprefix(HOST)
        if not path.startswith("/static/"):
            continue
        size = (static_root / path.removeprefix("/static/")).stat().st_size
        if size > LARGE_SCRIPT_BYTES:
            marker = script_used_marker(path)
            used = bool(marker) and page.locator(marker).count() > 0
            found.append({"name": path.removeprefix("/static/"), "size": size, "used": used})
    return found


def pages_scripts(browser, sessions: dict, password: str, static_root: Path) -> dict:
    """Which large scripts each page loads: a few pages of each role, at full speed."""
    cookie = sessions["cookie"]
    visits = {
        None: {"sign-in": "/accounts/login/"},
        TRAINER: {
            "trainer home": "/",
            "my sessions": "/programs/my-sessions/",
            "roster": f"/programs/sessions/{sessions['roster_session']}/roster/",
        },
        "caseworker@demo.example": {"case worker home": "/", "people list": "/people/"},
        "analyst@demo.example": {"analyst home": "/", "statistics": "/reports/"},
    }
    found = {}
    for email, paths in visits.items():
        context = phone(browser)
        if email:
            key = sessions["sessions"][email][0]
            context.add_cookies([{"name": cookie, "value": key, "url": HOST}])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        for name, path in paths.items():
            page.goto(f"{HOST}{path}")
            found[name] = large_scripts(page, static_root)
        if email == "analyst@demo.example":
            page.locator('a[href^="/reports/monthly/"]').first.click()
            page.wait_for_load_state("load")
            found["statistics dashboard"] = large_scripts(page, static_root)
        context.close()
    return found


def measure(browser, sessions: dict, password: str, static_root: Path) -> dict:
    log(f"sign-in page on an empty cache, {RUNS} runs")
    sign_in_runs = [sign_in_page(browser) for _ in range(RUNS)]
    log(f"trainer: home -> roster and the roster offline, {RUNS} runs each")
    online, offline, timings = trainer_roster(browser, sessions["roster_session"], password)
    log("large scripts on each page")
    scripts = pages_scripts(browser, sessions, password, static_root)
    misplaced = misplaced_scripts(scripts)
    return {
        "figures": {
            "sign_in_dcl_ms": median_of([dcl for dcl, _ in sign_in_runs]),
            "first_visit_bytes": median_of([size for _, size in sign_in_runs]),
            "home_to_roster_ms": median_of(online),
            "offline_roster_ms": median_of(offline),
            "misplaced_large_scripts": len(misplaced),
        },
        "runs": {
            "sign_in": [{"dcl_ms": dcl, "bytes": size} for dcl, size in sign_in_runs],
            "home_to_roster_ms": online,
            "home_to_roster_timing": timings,
            "offline_roster_ms": offline,
        },
        "large_scripts": scripts,
        "misplaced": misplaced,
    }


def main() -> int:
    env = environment()
    try:
        sessions = prepare(env)
        password = manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from devtools.demo.accounts import DEMO_PASSWORD; print(DEMO_PASSWORD)",
        ).strip()
        server = start_server(env)
    except (subprocess.CalledProcessError, RuntimeError) as error:
        log(f"could not prepare the portal: {error}")
        return 2
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            result = measure(browser, sessions, password, OUT / "var" / "staticfiles")
            browser.close()
    except Exception as error:  # noqa: BLE001 - any failure to measure ends the run
        log(f"could not measure: {error}")
        return 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = verdicts(result["figures"])
    load = os.getloadavg()
    report = {
        "network": WEAK_SIGNAL,
        "viewport": PHONE_VIEWPORT,
        "runs_per_figure": RUNS,
        "load_average": load,
        "targets": rows,
        **result,
    }
    REPORT.write_text(json.dumps(report, indent=2))
    print()
    print(f"Weak signal on a phone: {RUNS} runs each, medians; load average {load[0]:.2f}")
    for line in summary_lines(rows):
        print(line)
    for page, scripts in result["large_scripts"].items():
        names = ", ".join(f"{s['name']} ({s['size'] // 1000} kB)" for s in scripts) or "none"
        print(f"  large scripts on {page}: {names}")
    for misplaced in result["misplaced"]:
        print(f"  not used: {misplaced}")
    print(f"Written to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
