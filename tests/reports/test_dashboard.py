import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import AuditEvent
from reports.models import ReportBuild

DASHBOARD = ("monthly", "2025-08")


def test_admin_sees_exact_figures_and_the_headline(client, signed_in, admin_user, august_report):
    signed_in(admin_user)
    response = client.get(reverse("reports:dashboard", args=DASHBOARD))
    assert response.status_code == 200
    assert response.context["data"]["exits"]["defected"]["police"] == 2
    assert "12 soldiers and 2 police officers defected" in response.context["headline"]
    page = response.content.decode()
    assert 'id="report-chart-data"' in page and "chart.umd.min.js" in page


def test_analyst_sees_the_published_figures(client, signed_in, analyst, august_report):
    signed_in(analyst)
    response = client.get(reverse("reports:dashboard", args=DASHBOARD))
    data = response.context["data"]
    # 2 police officers and 1 militia member: small groups, published as 0.
    assert data["exits"]["defected"]["police"] == 0
    assert data["exits"]["pow"]["militia"] == 0
    assert "cell_keys" not in data
    assert "police officer" not in response.context["headline"]
    assert abs(data["exits"]["defected"]["soldier"] - 12) <= 2
    page = response.content.decode()
    assert "cell-key method" in page and "may differ slightly from the sum" in page
    for name in ("reports:rebuild",):
        assert client.post(reverse(name, args=DASHBOARD)).status_code == 403


@pytest.mark.parametrize("role_fixture", ["trainer", "case_worker_mae_sot"])
def test_trainers_and_case_workers_see_no_statistics(
    client, signed_in, request, august_report, role_fixture
):
    signed_in(request.getfixturevalue(role_fixture))
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:dashboard", args=DASHBOARD)).status_code == 403


def test_period_picker_validates_and_redirects(client, signed_in, analyst, august_report):
    signed_in(analyst)
    response = client.post(reverse("reports:index"), {"kind": "monthly", "month": "2025-13"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(reverse("reports:index"), {"kind": "monthly", "month": "2025-08"})
    assert response.url == reverse("reports:dashboard", args=DASHBOARD)


def test_missing_report_offers_a_build_to_admins(client, signed_in, admin_user, db):
    signed_in(admin_user)
    response = client.get(reverse("reports:dashboard", args=("monthly", "2025-07")))
    assert response.status_code == 404 and response.context["can_build"]
    assert "This report has not been built yet" in response.content.decode()


def test_admin_rebuild_runs_as_a_task_with_progress(
    client, signed_in, admin_user, august_report, django_capture_on_commit_callbacks
):
    signed_in(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:rebuild", args=DASHBOARD))
    build = ReportBuild.objects.get()
    assert response.url == reverse("reports:build", args=[build.pk])
    assert build.status == "done"  # run eagerly by the on-commit callback in this test
    assert (build.version_id, build.made_version) == (august_report.pk, False)  # unchanged
    page = client.get(
        reverse("reports:build", args=[build.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in page and reverse("reports:dashboard", args=DASHBOARD) in page
    assert "The figures are unchanged: no new version was made." in page


def test_csv_download_has_an_hxl_row_and_is_formula_safe(
    client, signed_in, admin_user, august_report
):
    signed_in(admin_user)
    response = client.get(reverse("reports:download", args=(*DASHBOARD, "csv")))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["period", "section", "row", "column", "value"]
    assert rows[1][0].startswith("#date") and rows[1][4] == "#affected+num"
    assert ["2025-08", "exits", "defected", "police", "2"] in rows
    assert "exact" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="export", object_type="reports.reportversion")
    assert event.object_id == str(august_report.pk) and event.changes["version"] == [None, 1]


def test_publication_download_is_protected_and_says_how(
    client, signed_in, admin_user, august_report
):
    signed_in(admin_user)
    response = client.get(reverse("reports:download", args=(*DASHBOARD, "csv")) + "?publication=1")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["2025-08", "exits", "defected", "police", "0"] in rows
    assert not any(row[1] == "cell_keys" for row in rows)
    assert rows[-1][1:3] == ["note", "method"] and "cell-key method" in rows[-1][4]
    assert "exact" not in response["Content-Disposition"]


def test_exact_download_has_no_protection_note(client, signed_in, admin_user, august_report):
    signed_in(admin_user)
    response = client.get(reverse("reports:download", args=(*DASHBOARD, "csv")))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert not any(row[1] in ("note", "cell_keys") for row in rows)


def test_xlsx_and_pdf_downloads(client, signed_in, analyst, august_report):
    signed_in(analyst)
    xlsx = client.get(reverse("reports:download", args=(*DASHBOARD, "xlsx")))
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert "exits" in workbook.sheetnames and "cell_keys" not in workbook.sheetnames
    note = [row for row in workbook["note"].iter_rows(values_only=True)]
    assert note[-1][1] == "note" and "cell-key method" in note[-1][4]
    pdf = client.get(reverse("reports:download", args=(*DASHBOARD, "pdf")))
    assert pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"


def test_dashboard_reads_the_stored_report_only(
    client, signed_in, admin_user, august_report, django_assert_max_num_queries
):
    signed_in(admin_user)
    client.get(reverse("home"))
    # session, user, MFA check, 2 tx; the two newest releases (shown, and the one before for
    # the change note), the previous month's release, the newest version (is one pending?),
    # the audit row of a view of exact figures (+2 to chain it): no aggregation at view time
    with django_assert_max_num_queries(12):
        client.get(reverse("reports:dashboard", args=DASHBOARD))


def test_dashboard_in_burmese(client, signed_in, analyst, august_report):
    signed_in(analyst)
    client.cookies["django_language"] = "my"
    response = client.get(reverse("reports:dashboard", args=DASHBOARD))
    assert response.status_code == 200 and 'lang="my"' in response.content.decode()


def test_the_dashboard_says_which_zone_counts_the_months(
    client, signed_in, analyst, august_report, settings
):
    settings.STATISTICS_TIME_ZONE = "Asia/Bangkok"
    signed_in(analyst)
    page = client.get(reverse("reports:dashboard", args=DASHBOARD)).content.decode()
    assert "Months and days are counted in the Asia/Bangkok time zone" in page
