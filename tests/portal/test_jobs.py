"""The one job runner (`portal.jobs`): the claim, the heartbeat and time budget, the sweeper's
decisions, the registry, and what a user sees when the broker cannot be reached."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.urls import reverse
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError as BrokerOperationalError

from people import import_jobs, importing
from people.models import ImportJob
from people.tasks import run_import
from portal import exports, jobs
from portal.exports import Table
from portal.models import ExportJob
from portal.tasks import build_export, sweep_jobs
from reports import builds
from reports.models import ReportBuild
from reports.tasks import run_build
from tests.people.test_import import row, to_csv

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WAITING_FOR_WORKER = (
    "Waiting for the background worker; it will start when the worker is reachable."
)


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def sent(monkeypatch):
    """The messages sent, per task name, instead of running them."""
    messages: list[tuple[str, str]] = []
    for kind in jobs.registered().values():
        task = kind.task
        monkeypatch.setattr(
            task,
            "apply_async",
            lambda args, countdown=None, name=task.name: messages.append((name, args[0])),
        )
    return messages


@pytest.fixture
def broker_down(monkeypatch):
    """Every send fails as it does when Redis cannot be reached."""

    def refuse(*args, **kwargs):
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for kind in jobs.registered().values():
        monkeypatch.setattr(kind.task, "apply_async", refuse)


def a_build(**fields) -> ReportBuild:
    return ReportBuild.objects.create(kind="annual", period="2024", **fields)


def running(model, **fields):
    """A job claimed by a worker at START (one attempt so far)."""
    fields.setdefault("attempts", 1)
    return model.objects.create(
        status="running", started_at=START, heartbeat_at=START, created_at=START, **fields
    )


# --- The registry ------------------------------------------------------------------------


def test_every_kind_of_job_is_registered_with_its_task():
    assert {kind: entry.task for kind, entry in jobs.registered().items()} == {
        "people.importjob": run_import,
        "portal.exportjob": build_export,
        "reports.reportbuild": run_build,
    }


def test_the_sweeper_walks_every_registered_kind(sent, case_worker_mae_sot, admin_user):
    with time_machine.travel(START, tick=False):
        imported = ImportJob.objects.create(requested_by=case_worker_mae_sot, file_name="p.csv")
        exported = ExportJob.objects.create(requested_by=admin_user, kind="people")
        built = a_build()

    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        assert sweep_jobs() == {"resent": 3, "requeued": 0, "failed": 0}

    assert sorted(sent) == sorted(
        [
            ("people.tasks.run_import", str(imported.pk)),
            ("portal.tasks.build_export", str(exported.pk)),
            ("reports.tasks.run_build", str(built.pk)),
        ]
    )


def test_the_sweeper_runs_every_minute_from_beat(db):
    task = PeriodicTask.objects.get(task="portal.tasks.sweep_jobs")
    assert (task.interval.every, task.interval.period) == (1, "minutes")
    assert 0 < task.expire_seconds < 60


# --- The claim ---------------------------------------------------------------------------


def test_a_claim_moves_a_queued_job_to_running_with_a_heartbeat(db):
    build = a_build()

    with time_machine.travel(START, tick=False):
        claimed = builds.BuildRunner.claim(build.pk)

    assert (claimed.status, claimed.attempts) == ("running", 1)
    assert claimed.started_at == claimed.heartbeat_at == START


def test_a_second_claim_of_a_running_job_does_nothing(db):
    build = a_build()
    builds.BuildRunner.claim(build.pk)

    assert builds.BuildRunner.claim(build.pk) is None
    build.refresh_from_db()
    assert (build.status, build.attempts) == ("running", 1)


def test_a_message_delivered_twice_builds_once(db, monkeypatch):
    calls, build_report = [], builds.services.build_report
    monkeypatch.setattr(
        builds.services, "build_report", lambda *a, **k: calls.append(1) or build_report(*a, **k)
    )
    build = a_build()

    run_build(str(build.pk))
    run_build(str(build.pk))

    build.refresh_from_db()
    assert calls == [1] and (build.status, build.attempts) == ("done", 1)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_concurrent_claims_one_wins():
    build = a_build()
    barrier, wins = threading.Barrier(4), []

    def claim():
        try:
            barrier.wait()
            wins.append(builds.BuildRunner.claim(build.pk) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, False, False, True]


# --- The heartbeat and the time budget ---------------------------------------------------


def test_beats_are_written_at_most_every_ten_seconds(db):
    with time_machine.travel(START, tick=False) as traveller:
        runner = builds.BuildRunner(builds.BuildRunner.claim(a_build().pk))
        traveller.shift(timedelta(seconds=5))
        runner.beat()
        assert ReportBuild.objects.get().heartbeat_at == START
        traveller.shift(timedelta(seconds=6))
        runner.beat()
        assert ReportBuild.objects.get().heartbeat_at == START + timedelta(seconds=11)


def test_a_job_over_its_time_budget_fails_with_a_reason(db, monkeypatch):
    build = a_build()

    with time_machine.travel(START, tick=False) as traveller:

        def slow_build(period, on_step):
            traveller.shift(timedelta(minutes=26))
            on_step("people")

        monkeypatch.setattr(builds.services, "build_report", slow_build)
        with pytest.raises(jobs.JobFailed):
            run_build(str(build.pk))

    build.refresh_from_db()
    assert (build.status, build.reason) == ("failed", "too_long")
    assert build.error.startswith("TimeBudgetExceeded at ")


def test_an_attempt_taken_back_by_the_sweeper_stops_without_finishing(db, sent):
    with time_machine.travel(START, tick=False) as traveller:
        runner = builds.BuildRunner(builds.BuildRunner.claim(a_build().pk))
        traveller.shift(timedelta(minutes=11))
        jobs.sweep()  # the heartbeat is stale: queued again for a second attempt
        builds.BuildRunner.claim(runner.job.pk)  # which a worker claims

        with pytest.raises(jobs.JobTakenAway):
            runner.progress(step="people")
        assert runner.finish() is False

    build = ReportBuild.objects.get()
    assert (build.status, build.attempts) == ("running", 2)


# --- The sweeper -------------------------------------------------------------------------


def test_a_queued_job_is_sent_again_after_two_minutes(db, sent):
    with time_machine.travel(START, tick=False):
        build = a_build(queued_at=START)
    with time_machine.travel(START + timedelta(seconds=90), tick=False):
        jobs.sweep()
        assert sent == []
    with time_machine.travel(START + timedelta(minutes=2, seconds=1), tick=False):
        jobs.sweep()
    assert sent == [("reports.tasks.run_build", str(build.pk))]
    build.refresh_from_db()
    assert build.queued_at == START + timedelta(minutes=2, seconds=1)


def test_a_sweep_stops_resending_while_the_broker_is_away(db, monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise BrokerOperationalError("Connection refused.")

    monkeypatch.setattr(jobs.registered()["reports.reportbuild"].task, "apply_async", refuse)
    with time_machine.travel(START, tick=False):
        builds = [a_build(queued_at=START), a_build(queued_at=START)]
    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        assert jobs.sweep()["resent"] == 0  # nothing went out: nothing counted as sent

    assert len(attempts) == 1  # one refused send, not one per job
    assert all(b.__class__.objects.get(pk=b.pk).status == "queued" for b in builds)


def test_a_running_job_with_a_live_heartbeat_is_left_alone(db, sent):
    build = running(ReportBuild, kind="annual", period="2024")

    with time_machine.travel(START + timedelta(minutes=9), tick=False):
        assert jobs.sweep() == {"resent": 0, "requeued": 0, "failed": 0}

    build.refresh_from_db()
    assert build.status == "running" and sent == []


def test_a_running_job_whose_heartbeat_stopped_is_queued_and_sent_again(db, sent):
    build = running(ReportBuild, kind="annual", period="2024")

    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        assert jobs.sweep()["requeued"] == 1

    build.refresh_from_db()
    assert (build.status, build.attempts, build.reason) == ("queued", 1, "")
    assert sent == [("reports.tasks.run_build", str(build.pk))]


def test_a_job_whose_worker_stopped_twice_fails_with_a_reason(db, sent):
    build = running(ReportBuild, kind="annual", period="2024", attempts=2)

    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        assert jobs.sweep()["failed"] == 1

    build.refresh_from_db()
    assert (build.status, build.reason) == ("failed", "worker_lost")
    assert build.get_reason_display() == "The background worker stopped twice; try again."
    assert sent == []


def test_a_stopped_export_loses_its_partial_file(db, sent, admin_user):
    job = running(ExportJob, requested_by=admin_user, kind="people")
    exports.file_path(job).write_bytes(b"PK partial")

    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        jobs.sweep()

    assert not exports.file_path(job).exists()
    assert ExportJob.objects.get().status == "queued"


def test_a_failed_import_deletes_its_upload_but_a_requeued_one_keeps_it(
    db, sent, case_worker_mae_sot
):
    kept = running(ImportJob, requested_by=case_worker_mae_sot, file_name="a.csv")
    given_up = running(ImportJob, requested_by=case_worker_mae_sot, file_name="b.csv", attempts=2)
    for job in (kept, given_up):
        import_jobs.upload_path(job.pk).write_bytes(b"encrypted")

    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        jobs.sweep()

    assert import_jobs.upload_path(kept.pk).exists()
    assert not import_jobs.upload_path(given_up.pk).exists()
    assert dict(ImportJob.objects.values_list("pk", "status")) == {
        kept.pk: "queued",
        given_up.pk: "failed",
    }


# --- Retries keep the upload -------------------------------------------------------------


def test_an_import_retried_after_a_database_error_reads_its_upload_again(
    case_worker_mae_sot, monkeypatch
):
    job = import_jobs.request_import(
        user=case_worker_mae_sot, data=to_csv([row()]), file_name="p.csv", dry_run=False
    )
    real_import, seen = importing.import_people, []

    def flaky_import(data, **kwargs):
        seen.append(import_jobs.upload_path(job.pk).exists())
        if len(seen) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_import(data, **kwargs)

    monkeypatch.setattr(importing, "import_people", flaky_import)

    run_import(str(job.pk))  # eager: the retry's message runs at once

    job.refresh_from_db()
    assert seen == [True, True]  # the second attempt found the file
    assert (job.status, job.attempts) == ("done", 2)
    assert not import_jobs.upload_path(job.pk).exists()  # deleted once done


# --- Exports that fail -------------------------------------------------------------------


def exploding_table(user, params) -> Table:
    def rows():
        yield ["first"]
        raise RuntimeError("the database went away mid-export for Kyaw Min")

    return Table(header=["name"], total=2, rows=rows())


def test_a_failed_export_removes_its_partial_zip(settings, admin_user):
    settings.EXPORTERS = {**settings.EXPORTERS, "people": f"{__name__}.exploding_table"}
    job = ExportJob.objects.create(requested_by=admin_user, kind="people")

    with pytest.raises(jobs.JobFailed) as failure:
        build_export(str(job.pk))

    job.refresh_from_db()
    assert (job.status, job.reason) == ("failed", "error")
    assert "Kyaw Min" not in job.error and "Kyaw Min" not in str(failure.value)
    assert not exports.file_path(job).exists() and list(exports.export_dir().iterdir()) == []


# --- The broker cannot be reached --------------------------------------------------------


def test_an_import_sent_while_the_broker_is_down_waits_and_says_so(
    client, signed_in, case_worker_mae_sot, broker_down, django_capture_on_commit_callbacks
):
    signed_in(case_worker_mae_sot)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("people:import"), {"file": SimpleUploadedFile("p.csv", to_csv([row()]))}
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302 and (job.status, job.queued_at) == ("queued", None)
    assert import_jobs.upload_path(job.pk).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and WAITING_FOR_WORKER in page.text


def test_an_export_sent_while_the_broker_is_down_waits_and_says_so(
    client, signed_in, admin_user, broker_down, django_capture_on_commit_callbacks
):
    signed_in(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:export_new", args=["people"]), {"file_format": "csv"}
        )

    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.status == "queued"
    page = client.get(response["Location"])
    assert page.status_code == 200 and WAITING_FOR_WORKER in page.text


def test_a_rebuild_sent_while_the_broker_is_down_waits_and_says_so(
    client, signed_in, admin_user, broker_down, django_capture_on_commit_callbacks
):
    signed_in(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:rebuild", args=["annual", "2024"]))

    build = ReportBuild.objects.get()
    assert response.status_code == 302 and build.status == "queued"
    page = client.get(response["Location"])
    assert page.status_code == 200 and WAITING_FOR_WORKER in page.text


def test_a_job_queued_again_says_it_is_retrying(client, signed_in, admin_user):
    job = ExportJob.objects.create(
        requested_by=admin_user, kind="people", attempts=1, queued_at=START
    )
    signed_in(admin_user)

    page = client.get(reverse("portal:export_progress", args=[job.pk]))

    assert "Retrying after the background worker stopped (attempt 2)." in page.text


def test_a_failed_job_shows_its_reason(client, signed_in, admin_user):
    job = ExportJob.objects.create(
        requested_by=admin_user, kind="people", status="failed", reason="worker_lost"
    )
    signed_in(admin_user)

    page = client.get(reverse("portal:export_progress", args=[job.pk]))

    assert "The background worker stopped twice; try again." in page.text
