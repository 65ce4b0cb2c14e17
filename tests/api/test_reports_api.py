"""Reports through the API (read-only): the stored figures, exact for admins and as published
(cell-key method, `reports.disclosure`) for analysts, never the cell keys; other roles refused; 404 for a report not built; the list of stored
reports with a checksum of what the caller receives."""

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from reports import selectors, services
from reports.models import Report
from reports.periods import parse
from tests.reports.conftest import august_report  # noqa: F401 (fixture)

LIST = reverse("api:report-list")
MONTHLY = reverse("api:report-monthly", kwargs={"period": "2025-08"})
ANNUAL = reverse("api:report-annual", kwargs={"period": "2025"})
SINCE_1027 = reverse("api:report-since-1027")


def test_the_urls_of_the_issue():
    assert (MONTHLY, ANNUAL, SINCE_1027, LIST) == (
        "/api/v1/reports/monthly/2025-08/",
        "/api/v1/reports/annual/2025/",
        "/api/v1/reports/since_1027/",
        "/api/v1/reports/",
    )


@pytest.fixture
def reports(august_report):  # noqa: F811
    """The stored reports, read back from the database (PostgreSQL's jsonb does not keep the
    order of the stored JSON's keys)."""
    built = [
        august_report,
        services.build_report(parse("annual", "2025")),
        services.build_report(parse("since_1027")),
    ]
    return {
        url: Report.objects.get(pk=report.pk)
        for url, report in zip((MONTHLY, ANNUAL, SINCE_1027), built, strict=True)
    }


@pytest.mark.parametrize("url", [MONTHLY, ANNUAL, SINCE_1027])
def test_admins_get_the_stored_json_exactly_without_the_cell_keys(api, admin_user, reports, url):
    response = api(admin_user).get(url)
    assert response.status_code == 200
    stored = dict(reports[url].data)
    assert stored.pop("cell_keys")  # stored with the report, never served
    assert response.json() == stored
    assert response["ETag"] == f'"{reports[url].checksum}"'


@pytest.mark.parametrize("url", [MONTHLY, ANNUAL, SINCE_1027])
def test_analysts_get_the_published_figures(api, analyst, reports, url):
    response = api(analyst).get(url)
    assert response.status_code == 200
    # As on the dashboard: `reports.selectors.shown_data`, through the disclosure layer.
    shown, protected = selectors.shown_data(analyst, reports[url])
    assert protected and shown != reports[url].data and "cell_keys" not in response.json()
    assert response.json() == shown
    assert response["ETag"] == f'"{services.checksum(shown)}"'


def test_small_cells_are_really_hidden_from_analysts(api, admin_user, analyst, reports):
    exact = api(admin_user).get(MONTHLY).json()
    published = api(analyst).get(MONTHLY).json()
    # 2 police officers defected, 1 militia member was taken prisoner: published as 0.
    assert exact["exits"]["defected"]["police"] == 2 and exact["exits"]["pow"]["militia"] == 1
    assert published["exits"]["defected"]["police"] == 0
    assert published["exits"]["pow"]["militia"] == 0
    assert "cell_keys" not in exact and "cell_keys" not in published


@pytest.mark.parametrize(
    ("user", "expected"), [("case_worker", 403), ("trainer", 403), ("anon", 401)]
)
@pytest.mark.parametrize("url", [LIST, MONTHLY, ANNUAL, SINCE_1027])
def test_other_roles_are_refused(api, case_worker_mae_sot, trainer, reports, url, user, expected):
    client = api({"case_worker": case_worker_mae_sot, "trainer": trainer, "anon": None}[user])
    response = client.get(url)
    assert response.status_code == expected
    assert set(response.json()) == {"status", "code", "detail", "errors"}
    if user != "anon":
        assert AuditEvent.objects.filter(action="permission_denied").exists()


@pytest.mark.parametrize(
    "url",
    [
        ANNUAL,  # not built (no fixture)
        SINCE_1027,
        "/api/v1/reports/monthly/2025-07/",
        "/api/v1/reports/monthly/2025-13/",  # no such month
        "/api/v1/reports/monthly/0000-01/",  # no such year
        "/api/v1/reports/annual/0000/",
        "/api/v1/reports/annual/2999/",  # the future
        "/api/v1/reports/weekly/2025-08/",
    ],
)
def test_a_report_not_built_is_404(api, admin_user, analyst, august_report, url):  # noqa: F811
    for user in (admin_user, analyst):
        response = api(user).get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


def test_the_list_of_stored_reports(api, admin_user, analyst, reports):
    body = api(admin_user).get(LIST).json()
    assert body["count"] == 3
    rows = {(row["kind"], row["period"]): row for row in body["results"]}
    assert set(rows) == {("monthly", "2025-08"), ("annual", "2025"), ("since_1027", "since_1027")}
    assert all(set(row) == {"kind", "period", "generated_at", "checksum"} for row in rows.values())
    assert rows["monthly", "2025-08"]["checksum"] == reports[MONTHLY].checksum
    # Analysts never get the checksum of the exact figures (it would let them find the true
    # counts by trying their few possible values): theirs is that of what they receive.
    analyst_rows = {(r["kind"], r["period"]): r for r in api(analyst).get(LIST).json()["results"]}
    monthly = analyst_rows["monthly", "2025-08"]["checksum"]
    assert monthly == services.checksum(selectors.shown_data(analyst, reports[MONTHLY])[0])
    assert monthly != reports[MONTHLY].checksum


def test_the_list_filters_by_kind_and_refuses_unknown_ones(api, admin_user, reports):
    client = api(admin_user)
    rows = client.get(LIST, {"kind": "annual"}).json()["results"]
    assert [(row["kind"], row["period"]) for row in rows] == [("annual", "2025")]
    assert client.get(LIST, {"kind": "weekly"}).status_code == 400
    assert client.get(LIST, {"ordering": "data"}).status_code == 400


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [LIST, MONTHLY])
def test_reports_are_read_only(api, admin_user, reports, method, url):
    response = getattr(api(admin_user), method)(url, {}, format="json")
    assert response.status_code == 405
    assert Report.objects.get(pk=reports[MONTHLY].pk).data == reports[MONTHLY].data
