"""Reports through the API: the released version's JSON, exact for admins and protected for
analysts; other roles refused; 404 for a report not built or not released; the list of
reports with a checksum of what the caller receives; versions, and their approval (admins),
with 409 for an outdated version. Analysts get the figures as published (cell-key method,
`reports.disclosure`); nobody gets the cell keys."""

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from reports import selectors, services
from reports.models import ReportVersion
from reports.periods import parse
from tests.reports.conftest import (  # noqa: F401 (fixtures)
    august_exits,
    august_pending,
    august_report,
    late_registration,
    release,
)

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
def reports(august_report, admin_user):  # noqa: F811
    """The released versions, read back from the database (PostgreSQL's jsonb does not keep
    the order of the stored JSON's keys)."""
    built = [
        august_report,
        release(services.build_report(parse("annual", "2025")), by=admin_user),
        release(services.build_report(parse("since_1027")), by=admin_user),
    ]
    return {
        url: ReportVersion.objects.get(pk=version.pk)
        for url, version in zip((MONTHLY, ANNUAL, SINCE_1027), built, strict=True)
    }


@pytest.mark.parametrize("url", [MONTHLY, ANNUAL, SINCE_1027])
def test_admins_get_the_stored_json_exactly_without_the_cell_keys(api, admin_user, reports, url):
    response = api(admin_user).get(url)
    assert response.status_code == 200
    stored = dict(reports[url].data)
    assert stored.pop("cell_keys")  # stored with the report, never served
    assert response.json() == stored
    assert response["ETag"] == f'"{reports[url].checksum}"'
    assert response["X-Report-Version"] == "1"


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
    fields = {"kind", "period", "generated_at", "version", "released_at", "checksum"}
    assert all(set(row) == fields | {"pending_version"} for row in rows.values())
    assert rows["monthly", "2025-08"]["checksum"] == reports[MONTHLY].checksum
    assert (
        rows["monthly", "2025-08"]["version"],
        rows["monthly", "2025-08"]["pending_version"],
    ) == (
        1,
        None,
    )
    # Analysts never get the checksum of the exact figures (it would let them find the true
    # counts by trying their few possible values): theirs is that of what they receive.
    analyst_rows = {(r["kind"], r["period"]): r for r in api(analyst).get(LIST).json()["results"]}
    assert all(set(row) == fields for row in analyst_rows.values())
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
    assert ReportVersion.objects.get(pk=reports[MONTHLY].pk).data == reports[MONTHLY].data


# --- Versions and approval ---------------------------------------------------------------------

VERSIONS = reverse("api:report-version-list")


def approve_url(version) -> str:
    return reverse("api:report-version-approve", args=[version.pk])


def test_a_report_built_but_not_released_is_404_for_everyone(
    api,
    admin_user,
    analyst,
    august_pending,  # noqa: F811
):
    for user in (admin_user, analyst):
        response = api(user).get(MONTHLY)
        assert response.status_code == 404
        assert response.json()["detail"] == "No version of this report has been released yet."
    # Analysts do not even see the period in the list; admins see it, with its pending version.
    assert api(analyst).get(LIST).json()["count"] == 0
    (row,) = api(admin_user).get(LIST).json()["results"]
    assert (row["version"], row["pending_version"], row["checksum"]) == (None, 1, None)


def test_analysts_get_only_the_approved_version_after_a_rebuild(
    api,
    admin_user,
    analyst,
    august_report,  # noqa: F811
    mae_sot,
):
    late_registration(mae_sot)
    pending = services.build_report(parse("monthly", "2025-08"))
    assert (pending.number, pending.status, pending.created) == (2, "pending", True)

    # The report's URL still serves version 1, to analysts and admins alike.
    for user in (analyst, admin_user):
        response = api(user).get(MONTHLY)
        assert response["X-Report-Version"] == "1"
    assert api(admin_user).get(MONTHLY).json()["exits"]["total"]["total"] == 15
    # Analysts list released versions only, and cannot read the pending one's figures.
    listed = api(analyst).get(VERSIONS).json()["results"]
    assert [(row["number"], row["status"]) for row in listed] == [(1, "approved")]
    assert "approved_by" not in listed[0]
    figures = reverse("api:report-version-data", args=[pending.pk])
    assert api(analyst).get(figures).status_code == 404
    assert api(admin_user).get(figures).json()["exits"]["total"]["total"] == 16

    response = api(admin_user).post(approve_url(pending))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["approved_by"]) == (
        "approved",
        admin_user.full_name,
    )
    assert api(analyst).get(MONTHLY)["X-Report-Version"] == "2"
    assert AuditEvent.objects.filter(
        action="update", object_type="reports.reportversion", object_id=str(pending.pk)
    ).exists()


def test_approving_an_outdated_version_is_a_409_and_changes_nothing(
    api,
    admin_user,
    august_report,  # noqa: F811
    mae_sot,
):
    late_registration(mae_sot)
    second = services.build_report(parse("monthly", "2025-08"))
    late_registration(mae_sot, day=29)
    third = services.build_report(parse("monthly", "2025-08"))
    client = api(admin_user)

    for version, reason in (
        (second, "Version 2 cannot be approved"),  # replaced before approval by version 3
        (august_report, "Version 1 cannot be approved"),  # released already
    ):
        response = client.post(approve_url(version))
        assert response.status_code == 409, version
        assert response.json()["code"] == "conflict"
        assert response.json()["detail"].startswith(reason)
    assert ReportVersion.objects.get(pk=second.pk).status == "superseded"
    assert ReportVersion.objects.get(pk=third.pk).status == "pending"
    assert client.get(MONTHLY)["X-Report-Version"] == "1"


def test_only_admins_approve(api, analyst, august_pending):  # noqa: F811
    response = api(analyst).post(approve_url(august_pending))
    assert response.status_code == 403
    assert ReportVersion.objects.get(pk=august_pending.pk).status == "pending"


def test_versions_filter_by_period_and_status(api, admin_user, august_report, mae_sot):  # noqa: F811
    late_registration(mae_sot)
    services.build_report(parse("monthly", "2025-08"))
    client = api(admin_user)
    rows = client.get(VERSIONS, {"period": "2025-08", "status": "pending"}).json()["results"]
    assert [(row["kind"], row["period"], row["number"]) for row in rows] == [
        ("monthly", "2025-08", 2)
    ]
    assert client.get(VERSIONS, {"status": "published"}).status_code == 400


def test_a_period_with_a_nul_character_is_a_400_with_the_field_named(api, admin_user, reports):
    # The schema documents the period as text without NUL characters (the fuzzer sent one).
    response = api(admin_user).get(VERSIONS, {"period": "2025\x00-08"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"period"}
