"""Approval and release of report versions on the screens and with the commands: analysts and
publication get approved versions only; a rebuild that changes figures makes a version
awaiting approval with a change note, one with the same figures none; approving an outdated
version is refused; a failed build keeps the released version; the migration turns every
stored report into its released version 1."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from people.models import Exit
from portal.models import AuditEvent
from portal.models.jobs import FailureReason
from reports import compute, disclosure, services
from reports.models import ReportBuild, ReportVersion
from reports.periods import parse
from tests.reports.conftest import late_registration, release

PERIOD = ("monthly", "2025-08")
DASHBOARD = reverse("reports:dashboard", args=PERIOD)


def version_url(number: int, name: str = "reports:version") -> str:
    return reverse(name, args=(*PERIOD, number))


def rebuild():
    return services.build_report(parse(*PERIOD))


@pytest.fixture
def second_version(august_report, mae_sot):
    """Version 2 awaiting approval: one late registration (a militia prisoner) in August."""
    late_registration(mae_sot)
    return rebuild()


def test_a_rebuild_with_the_same_figures_makes_no_version(august_report):
    again = rebuild()
    assert (again.pk, again.created) == (august_report.pk, False)
    assert ReportVersion.objects.count() == 1


def test_a_rebuild_that_changes_figures_makes_a_version_awaiting_approval(second_version):
    assert (second_version.number, second_version.status, second_version.created) == (
        2,
        "pending",
        True,
    )
    assert second_version.data["exits"]["total"]["total"] == 16


def test_figures_back_to_the_released_ones_leave_nothing_awaiting_approval(
    august_report, second_version
):
    Exit.objects.order_by("-pk").first().delete()  # the late registration was a mistake
    back = rebuild()
    assert back.pk == august_report.pk
    assert ReportVersion.objects.get(pk=second_version.pk).status == "superseded"


def test_analyst_sees_only_the_approved_version_after_a_rebuild(
    client, signed_in, analyst, second_version
):
    signed_in(analyst)
    response = client.get(DASHBOARD)
    assert response.context["version"].number == 1
    published = disclosure.protect(ReportVersion.objects.get(number=1).data)  # cell-key method
    assert (
        response.context["data"]["exits"]["total"]["total"] == published["exits"]["total"]["total"]
    )
    assert client.get(version_url(2)).status_code == 404  # pending: not theirs to see
    assert client.get(version_url(1)).status_code == 200  # released: as released
    assert client.post(version_url(2, "reports:approve")).status_code == 403
    listed = client.get(reverse("reports:versions", args=PERIOD)).context["versions"]
    assert [version.number for version in listed] == [1]


def test_admin_reviews_the_new_version_with_its_change_note_and_approves_it(
    client, signed_in, admin_user, analyst, second_version
):
    signed_in(admin_user)
    page = client.get(DASHBOARD).content.decode()
    assert "Version 2 awaits your approval" in page  # the dashboard still shows version 1
    review = client.get(version_url(2))
    assert review.context["can_approve"] and review.context["data"]["exits"]["pow"]["militia"] == 2
    notes = review.context["change_lines"]
    assert notes[0] == "1 more exit recorded for August 2025 (16 in all instead of 15)."
    assert any(line.startswith("Exits by type and affiliation: ") for line in notes)
    assert "Exits by type and affiliation: 4 figures changed — Total: 16 (was 15); " in notes[1]
    assert "Prisoner of war · Total: 2 (was 1); Total · Militia: 2 (was 1)." in notes[1]

    response = client.post(version_url(2, "reports:approve"), follow=True)
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert "Version 2 is released" in response.content.decode()
    version = ReportVersion.objects.get(pk=second_version.pk)
    assert (version.status, version.approved_by) == ("approved", admin_user)
    event = AuditEvent.objects.get(
        action="update", object_type="reports.reportversion", object_id=str(version.pk)
    )
    assert event.actor == admin_user and event.changes["status"] == ["pending", "approved"]

    # Analysts now get version 2, and are told what changed since version 1 in their
    # published figures (cell-key method), never in the exact ones: 15 and 16 are published
    # with their own cell keys, so the note compares those two published totals.
    signed_in(analyst)
    response = client.get(DASHBOARD)
    assert response.context["version"].number == 2
    assert response.context["earlier_release"].number == 1
    page = response.content.decode()
    assert "Version 2, released on" in page and "What changed since version 1" in page
    before, after = (
        disclosure.protect(ReportVersion.objects.get(report=version.report, number=n).data)[
            "exits"
        ]["total"]["total"]
        for n in (1, 2)
    )
    assert response.context["data"]["exits"]["total"]["total"] == after
    assert after == disclosure.perturb(16, version.data["cell_keys"]["exits"]["total"]["total"])
    lines = response.context["change_lines"]
    if after != before:
        assert f"({after} in all instead of {before})" in lines[0]
    else:
        assert not any("in all instead of" in line for line in lines)
    assert not any("(was 1)" in line or ": 1 (" in line for line in lines)  # no exact small cell


def test_approving_an_outdated_version_is_refused_with_a_message(
    client, signed_in, admin_user, second_version, mae_sot
):
    late_registration(mae_sot, day=29)
    third = rebuild()
    signed_in(admin_user)
    for number, message in (
        (2, "Version 2 cannot be approved: it is not awaiting approval"),
        (1, "Version 1 cannot be approved: it is not awaiting approval"),
    ):
        response = client.post(version_url(number, "reports:approve"), follow=True)
        assert response.redirect_chain[-1][0] == version_url(number)
        assert message in response.content.decode()
    assert ReportVersion.objects.get(pk=third.pk).status == "pending"
    assert ReportVersion.objects.filter(status="approved").count() == 1
    # Only the release of version 1 (the fixture) is in the audit log.
    assert AuditEvent.objects.filter(object_type="reports.reportversion").count() == 1


def test_an_outdated_pending_version_is_refused_by_the_service(second_version, admin_user):
    # A newer version of any status makes a pending one outdated (builds mark older pending
    # versions superseded; the service does not rely on it).
    ReportVersion.objects.create(
        report=second_version.report, number=3, data={}, checksum="x", status="superseded"
    )
    with pytest.raises(services.ApprovalRefused, match="outdated: version 3 is newer"):
        services.approve(second_version.pk, by=admin_user)


def test_a_download_of_a_period_without_an_approved_version_is_a_404_page(
    client, signed_in, admin_user, analyst, august_pending
):
    download = reverse("reports:download", args=(*PERIOD, "csv"))
    signed_in(analyst)
    response = client.get(download)
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "no version of this report has been approved for release" in response.content.decode()
    assert client.get(DASHBOARD).status_code == 404

    signed_in(admin_user)
    assert client.get(download + "?publication=1").status_code == 404
    pending_publication = reverse("reports:version_download", args=(*PERIOD, 1, "pdf"))
    assert client.get(pending_publication + "?publication=1").status_code == 404
    # Admins may take the exact figures of a pending version for review (not for publication).
    exact = client.get(reverse("reports:version_download", args=(*PERIOD, 1, "csv")))
    assert exact.status_code == 200
    assert exact["Content-Disposition"].endswith('report-monthly-2025-08-v1-exact.csv"')


def test_released_versions_stay_downloadable_as_released(
    client, signed_in, admin_user, analyst, second_version
):
    release(second_version, by=admin_user)
    signed_in(analyst)
    first = client.get(reverse("reports:version_download", args=(*PERIOD, 1, "csv")))
    rows = list(csv.reader(io.StringIO(first.content.decode("utf-8-sig"))))
    released = disclosure.protect(ReportVersion.objects.get(number=1).data)  # as published
    assert ["2025-08", "exits", "total", "total", str(released["exits"]["total"]["total"])] in rows
    assert rows[-1][1] == "note" and "cell-key" in rows[-1][4]
    assert first["Content-Disposition"].endswith('report-monthly-2025-08-v1.csv"')
    current = client.get(reverse("reports:download", args=(*PERIOD, "csv")))
    assert current["Content-Disposition"].endswith('report-monthly-2025-08-v2.csv"')

    signed_in(admin_user)
    page = client.get(reverse("reports:versions", args=PERIOD)).content.decode()
    assert admin_user.full_name in page  # who approved, when


def test_a_failed_build_keeps_the_approved_version_and_says_why(
    client,
    signed_in,
    admin_user,
    analyst,
    august_report,
    mae_sot,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    late_registration(mae_sot)

    def broken(period, on_step=None):
        raise ZeroDivisionError("a bug in a section")

    monkeypatch.setattr(compute, "compute", broken)
    signed_in(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:rebuild", args=PERIOD))
    build = ReportBuild.objects.get()
    assert (build.status, build.reason) == ("failed", FailureReason.ERROR)
    assert ReportVersion.objects.count() == 1

    reason = str(FailureReason.ERROR.label)
    build_page = client.get(reverse("reports:build", args=[build.pk])).content.decode()
    assert reason in build_page and "the released version stays as it was" in build_page
    index = client.get(reverse("reports:index"))
    assert list(index.context["failed"]) == [build] and reason in index.content.decode()

    signed_in(analyst)
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and response.context["version"] == august_report


def test_a_later_build_clears_the_failure_from_the_index(client, signed_in, admin_user, db):
    ReportBuild.objects.create(
        kind="monthly",
        period="2025-08",
        status="failed",
        reason="error",
        finished_at=timezone.now(),
    )
    ReportBuild.objects.create(kind="monthly", period="2025-08", status="done")
    signed_in(admin_user)
    assert list(client.get(reverse("reports:index")).context["failed"]) == []


def test_the_index_lists_versions_awaiting_approval_for_admins_only(
    client, signed_in, admin_user, analyst, second_version
):
    signed_in(admin_user)
    assert list(client.get(reverse("reports:index")).context["pending"]) == [second_version]
    signed_in(analyst)
    response = client.get(reverse("reports:index"))
    assert list(response.context["pending"]) == [] and "Awaiting your approval" not in (
        response.content.decode()
    )


def test_the_commands_build_and_approve(admin_user, august_report, mae_sot):
    out = io.StringIO()
    call_command("build_report", *PERIOD, stdout=out)
    assert "figures unchanged, no new version (version 1, released)" in out.getvalue()
    late_registration(mae_sot)
    call_command("build_report", *PERIOD, stdout=out)
    assert "version 2 awaits approval (16 exits" in out.getvalue()
    with pytest.raises(CommandError, match="No active admin"):
        call_command("approve_report", *PERIOD, "--user", "nobody@example.org")
    with pytest.raises(CommandError, match="Version 1 cannot be approved"):
        call_command("approve_report", *PERIOD, "--user", admin_user.email, "--number", "1")
    call_command("approve_report", *PERIOD, "--user", admin_user.email, stdout=out)
    assert "Released monthly 2025-08 version 2." in out.getvalue()
    with pytest.raises(CommandError, match="no version awaiting approval"):
        call_command("approve_report", *PERIOD, "--user", admin_user.email)


# serialized_rollback, as every transactional test here: the data of the migrations is
# restored for the next test, and not created twice.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_turns_every_report_into_its_released_version_1():
    executor = MigrationExecutor(connection)
    before, after = (
        [("reports", "0003_reportbuild_job_runner_fields")],
        [("reports", "0004_report_versions")],
    )
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("reports", "Report").objects.create(
        kind="monthly", period="2024-05", data={"exits": {"total": {"total": 7}}}, checksum="c"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    version = new_apps.get_model("reports", "ReportVersion").objects.get()
    assert (version.number, version.status, version.checksum) == (1, "approved", "c")
    assert version.data == {"exits": {"total": {"total": 7}}} and version.approved_at
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(before)  # and back: the figures return onto the report
    report = executor.loader.project_state(before).apps.get_model("reports", "Report")
    assert report.objects.get().data == {"exits": {"total": {"total": 7}}}
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_cumulative_reports_change_note_reads_as_a_sentence(
    client, signed_in, admin_user, august_exits, mae_sot
):
    release(services.build_report(parse("since_1027")), by=admin_user)
    late_registration(mae_sot)
    second = services.build_report(parse("since_1027"))
    signed_in(admin_user)
    response = client.get(reverse("reports:version", args=("since_1027", "since_1027", 2)))
    assert second.number == 2
    assert response.context["change_lines"][0] == (
        "1 more exit recorded for the period since 27 October 2023 (16 in all instead of 15)."
    )
