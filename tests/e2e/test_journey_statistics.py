"""Journey 4: an admin opens the statistics dashboard, sees the charts drawn, rebuilds the
monthly report (progress shown by htmx polling) after a late registration, reviews the new
version with its change note, approves it and downloads the CSV; the analyst then gets the
new version."""

import csv
import io
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.roles import Role
from reports import services, tasks
from reports.models import ReportBuild
from reports.periods import parse
from tests.conftest import make_user
from tests.e2e.helpers import hold_task
from tests.people.factories import ExitFactory, PersonFactory

pytestmark = pytest.mark.e2e


def august_exits(site, soldiers=12, police=2):
    for n in range(soldiers):
        ExitFactory(
            person=PersonFactory(location=site),
            exit_type="defected",
            affiliation="soldier",
            exit_date=date(2025, 8, 1 + n),
        )
    for n in range(police):
        ExitFactory(
            person=PersonFactory(location=site),
            exit_type="surrendered",
            affiliation="police",
            exit_date=date(2025, 8, 20 + n),
        )


@pytest.fixture
def worker(monkeypatch):
    worker = hold_task(monkeypatch, tasks, "run_build")
    yield worker
    worker.finish()


def chart_pixels(canvas) -> int:
    """How many pixels of the canvas are painted (not transparent)."""
    return canvas.evaluate(
        """canvas => {
            const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) painted++; }
            return painted;
        }"""
    )


def test_admin_sees_charts_rebuilds_approves_and_downloads_the_csv(
    page, url, shot, sign_in, worker, mae_sot
):
    admin = make_user(Role.ADMIN, email="admin@example.org", full_name="Alice Admin")
    analyst = make_user(Role.ANALYST, mfa=False, email="analyst@example.org", full_name="Ann")
    august_exits(mae_sot)
    services.approve(services.build_report(parse("monthly", "2025-08")).pk, by=admin)
    # A late registration after the report was released: the rebuild must count it.
    ExitFactory(
        person=PersonFactory(location=mae_sot),
        exit_type="pow",
        affiliation="militia",
        exit_date=date(2025, 8, 28),
    )

    sign_in(page, admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statistics").click()
    expect(page).to_have_url(url("/reports/"))
    page.get_by_role("link", name=re.compile(r"August 2025")).click()
    expect(page).to_have_url(url("/reports/monthly/2025-08/"))
    expect(page.locator(".lead")).to_contain_text("In August 2025, 12 soldiers defected")

    # Chart.js drew every chart that has data (no inline script: the CSP would refuse it);
    # those without data (training, assistance) are not drawn at all, and say so.
    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(3)
    for index in range(3):
        expect(canvases.nth(index)).to_have_attribute("data-drawn", "1")
    expect(page.locator("[data-no-chart]")).to_have_count(2)
    exits_chart = page.locator("#chart-exits-by-month")
    expect(exits_chart).to_be_visible()
    assert chart_pixels(exits_chart) > 0
    exits_table = page.locator("table", has=page.get_by_text("Exits by type and affiliation"))
    expect(exits_table.get_by_role("row", name=re.compile(r"^Total"))).to_contain_text("14")
    shot(page, "dashboard")

    # Rebuild: the build page shows the build queued, then done, without reloading.
    page.get_by_role("button", name="Rebuild").click()
    expect(page).to_have_url(re.compile(r"/reports/builds/\d+/$"))
    status = page.get_by_role("status")
    expect(status).to_contain_text(re.compile("Waiting|Running"))
    expect(page.get_by_role("progressbar")).to_be_visible()
    shot(page, "build-queued")
    build_page = page.url
    worker.pick_up()
    expect(status).to_contain_text("Done", timeout=15_000)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert page.url == build_page  # updated in place by htmx, not by a reload
    expect(page.locator("#build-status")).to_contain_text("version 2 awaits approval")
    shot(page, "build-done")
    build = ReportBuild.objects.get()
    assert (build.kind, build.period, build.status) == ("monthly", "2025-08", "done")

    # Review: exact figures and what changed; then approve.
    page.get_by_role("link", name="Review the new version").click()
    expect(page).to_have_url(url("/reports/monthly/2025-08/versions/2/"))
    expect(page.get_by_text("1 more exit recorded for August 2025")).to_be_visible()
    shot(page, "review")
    page.get_by_role("button", name="Approve version 2 for release").click()
    expect(page).to_have_url(url("/reports/monthly/2025-08/"))
    expect(page.get_by_text("Version 2 is released")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Version 2, released on"))).to_be_visible()
    exits_table = page.locator("table", has=page.get_by_text("Exits by type and affiliation"))
    expect(exits_table.get_by_role("row", name=re.compile(r"^Total"))).to_contain_text("15")

    # The CSV download: a header row, the HXL hashtag row, then the figures.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "report-monthly-2025-08-v2-exact.csv"
    content = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["period", "section", "row", "column", "value"]
    assert rows[1] == [
        "#date+period",
        "#indicator+section",
        "#meta+row",
        "#meta+column",
        "#affected+num",
    ]
    assert ["2025-08", "exits", "defected", "soldier", "12"] in rows
    assert ["2025-08", "exits", "pow", "militia", "1"] in rows

    # The analyst now gets version 2, and is told what changed since version 1.
    page.context.clear_cookies()
    sign_in(page, analyst)
    page.goto(url("/reports/monthly/2025-08/"))
    expect(page.get_by_text(re.compile(r"Version 2, released on"))).to_be_visible()
    expect(page.get_by_text("What changed since version 1")).to_be_visible()
    # Through the disclosure layer: the method is printed, the 1 militia prisoner is a 0.
    expect(page.get_by_role("note")).to_contain_text("Protected with the cell-key method")
    exits_table = page.locator("table", has=page.get_by_text("Exits by type and affiliation"))
    militia = exits_table.get_by_role("row", name=re.compile(r"^Prisoner of war"))
    expect(militia).not_to_contain_text(re.compile(r"\b[1-4]\b"))
    shot(page, "dashboard-analyst")
