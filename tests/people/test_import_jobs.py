"""People imports as background jobs: the progress page and its polling, who sees a job, the
encrypted file waiting for the task, failures and the clean-up of leftovers."""

import json
import logging
import os
import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from people import import_jobs, importing
from people.import_report import ImportReport, RowError
from people.models import ImportJob, Person
from people.tasks import run_import
from portal import crypto, jobs
from portal.models import AuditEvent
from portal.tasks import clear_expired_sessions_and_invitations
from tests.people.test_import import SAMPLE_CSV, row, someone, to_csv

CANARY = "Zzyzxcanary Qwertyname"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def make_job(user, **fields) -> ImportJob:
    return ImportJob.objects.create(requested_by=user, file_name="intake.csv", **fields)


def done_job(user, report: ImportReport) -> ImportJob:
    return make_job(user, status="done", report_data=json.dumps(report.to_dict()))


def job_page(client, job):
    return client.get(reverse("people:import_job", args=[job.pk]))


def progress_fragment(client, job):
    return client.get(reverse("people:import_job_progress", args=[job.pk]))


@pytest.fixture
def queue_upload(client, django_capture_on_commit_callbacks):
    """Post a file; returns the job and the task queued for it, not yet run."""

    def post(data: bytes, name="people.csv"):
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(
                reverse("people:import"), {"file": SimpleUploadedFile(name, data)}
            )
        assert response.status_code == 302
        assert len(callbacks) == 1
        return ImportJob.objects.get(), callbacks[0]

    return post


# --- The job page ------------------------------------------------------------------------


def test_job_page_shows_progress_while_running(client, signed_in, case_worker_mae_sot):
    job = make_job(case_worker_mae_sot, status="running", rows_done=2500, rows_total=10000)
    signed_in(case_worker_mae_sot)

    response = job_page(client, job)

    assert response.status_code == 200
    assert '<p role="status">2500 of 10000 rows checked</p>' in response.text
    bar = re.search(r'<div[^>]* role="progressbar"[^>]*>', response.text).group()
    assert 'aria-valuenow="25"' in bar and 'aria-valuetext="2500 of 10000 rows checked"' in bar
    assert '<progress class="w-100" max="100" value="25">' in response.text
    assert "intake.csv" in response.text and "Import another file" in response.text


def test_job_page_says_when_the_people_are_being_saved(client, signed_in, case_worker_mae_sot):
    job = make_job(case_worker_mae_sot, status="running", rows_done=40, rows_total=40, saving=True)
    signed_in(case_worker_mae_sot)

    assert "40 rows checked; saving…" in job_page(client, job).text


def test_waiting_job_shows_an_indeterminate_bar(client, signed_in, case_worker_mae_sot):
    job = make_job(case_worker_mae_sot, queued_at=timezone.now())  # the broker took it
    signed_in(case_worker_mae_sot)

    response = job_page(client, job)

    assert '<p role="status">Waiting</p>' in response.text
    assert (
        "aria-valuenow" not in response.text
        and '<progress class="w-100" max="100">' in response.text
    )


def test_job_page_works_without_javascript_while_running(client, signed_in, case_worker_mae_sot):
    job = make_job(case_worker_mae_sot, status="running")
    signed_in(case_worker_mae_sot)

    response = job_page(client, job)

    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in response.text
    assert (
        f'<noscript><p><a href="{reverse("people:import_job", args=[job.pk])}">Refresh</a>'
        in response.text
    )


@pytest.mark.parametrize(
    ("status", "polls"), [("queued", True), ("running", True), ("done", False), ("failed", False)]
)
def test_progress_fragment_polls_only_while_queued_or_running(
    client, signed_in, case_worker_mae_sot, status, polls
):
    job = make_job(case_worker_mae_sot, status=status)
    if status == "done":
        job = done_job(case_worker_mae_sot, ImportReport(rows_read=1, people_created=1))
    signed_in(case_worker_mae_sot)
    fragment_url = reverse("people:import_job_progress", args=[job.pk])

    fragment, page = progress_fragment(client, job), job_page(client, job)

    polling = f'hx-get="{fragment_url}" hx-trigger="every 2s" hx-swap="outerHTML"'
    assert (polling in fragment.text) is polls and (polling in page.text) is polls
    assert ('http-equiv="refresh"' in page.text) is polls
    assert fragment.status_code == 200 and "<html" not in fragment.text


def test_finished_job_shows_the_report(client, signed_in, case_worker_mae_sot):
    report = ImportReport(rows_read=3, errors=[RowError(3, "sex", "'robot' is not one of: …")])
    job = done_job(case_worker_mae_sot, report)
    signed_in(case_worker_mae_sot)

    for response in (job_page(client, job), progress_fragment(client, job)):
        assert "Nothing was imported." in response.text and "The file has 1 error;" in response.text
        assert (
            "<td>3</td><td><code>sex</code></td><td>&#x27;robot&#x27; is not one of: …</td>"
            in response.text
        )
        assert 'role="progressbar"' not in response.text


def test_report_lists_the_first_thousand_errors(client, signed_in, case_worker_mae_sot):
    errors = [RowError(line, "sex", "bad") for line in range(2, 1502)]
    job = make_job(case_worker_mae_sot, status="done")
    ImportJob.objects.filter(pk=job.pk).update(
        report_data=json.dumps(ImportReport(rows_read=1500, errors=errors).to_dict(1000))
    )
    signed_in(case_worker_mae_sot)

    response = job_page(client, job)

    assert "The file has 1500 errors;" in response.text
    assert "Only the first 1000 errors are listed." in response.text
    assert response.text.count("<td><code>sex</code></td>") == 1000


def test_failed_job_shows_a_generic_message(client, signed_in, case_worker_mae_sot):
    job = make_job(case_worker_mae_sot, status="failed", error="ValueError at importing.py:1")
    signed_in(case_worker_mae_sot)

    response = job_page(client, job)

    assert "The import failed and nothing was imported." in response.text
    assert "ValueError" not in response.text


@pytest.mark.parametrize("other", ["case_worker_delhi", "admin_user"])
def test_another_user_gets_404(request, client, signed_in, case_worker_mae_sot, other):
    job = done_job(case_worker_mae_sot, ImportReport(rows_read=1, people_created=1))
    signed_in(request.getfixturevalue(other))

    assert job_page(client, job).status_code == 404
    assert progress_fragment(client, job).status_code == 404


def test_unknown_job_is_404(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)

    assert job_page(client, ImportJob(pk=uuid.uuid4())).status_code == 404


# --- The file waiting for the task -------------------------------------------------------


def test_file_on_disk_is_encrypted_and_private(
    client, signed_in, case_worker_mae_sot, queue_upload
):
    signed_in(case_worker_mae_sot)
    data = to_csv([row(full_name=CANARY)])

    job, _task = queue_upload(data)

    path = import_jobs.upload_path(job.pk)
    content = path.read_bytes()
    assert path.parent.name == "imports" and path.name == str(job.pk)
    assert CANARY.encode() not in content and b"full_name" not in content
    assert crypto.decrypt_bytes(content) == data
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path.parent).st_mode & 0o777 == 0o700


def test_file_is_deleted_after_a_successful_import(
    client, signed_in, case_worker_mae_sot, queue_upload
):
    signed_in(case_worker_mae_sot)
    job, task = queue_upload(to_csv([row()]))

    task()

    job.refresh_from_db()
    assert job.status == "done" and job.finished_at is not None
    assert (job.rows_done, job.rows_total, job.report.people_created) == (1, 1, 1)
    assert not import_jobs.upload_path(job.pk).exists()
    assert list(import_jobs.upload_dir().iterdir()) == []


def test_report_is_stored_encrypted(client, signed_in, case_worker_mae_sot, queue_upload):
    signed_in(case_worker_mae_sot)
    job, task = queue_upload(to_csv([row(full_name=CANARY, sex="robot")]))
    task()

    with connection.cursor() as cursor:
        cursor.execute("SELECT report_data, file_name FROM people_importjob")
        stored = " ".join(cursor.fetchone())
    job.refresh_from_db()
    assert "robot" in str(job.report.errors) and "robot" not in stored
    assert "people.csv" not in stored


def test_task_exception_marks_the_job_failed_and_imports_nothing(
    client, signed_in, case_worker_mae_sot, queue_upload, monkeypatch, caplog
):
    def fail(*args, **kwargs):
        # After the people were inserted, in the import's transaction; a message quoting data.
        raise RuntimeError(f"cannot write {CANARY}")

    caplog.set_level(logging.DEBUG)
    signed_in(case_worker_mae_sot)
    job, task = queue_upload(to_csv([row(full_name=CANARY, notes="A note")]))
    monkeypatch.setattr(importing.auditing, "record", fail)

    task()  # the eager task keeps its exception, as a worker would report it

    monkeypatch.undo()

    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None and not job.saving
    assert job.error.startswith("RuntimeError at ") and CANARY not in job.error
    assert Person.objects.count() == 0 and not AuditEvent.objects.filter(action="import").exists()
    assert not import_jobs.upload_path(job.pk).exists()
    page = job_page(client, job)
    assert "The import failed and nothing was imported." in page.text
    assert CANARY not in page.text and "RuntimeError" not in page.text
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert CANARY not in logged


def test_task_raises_without_the_original_message(case_worker_mae_sot, monkeypatch):
    job = import_jobs.request_import(
        user=case_worker_mae_sot, data=b"data", file_name="p.csv", dry_run=False
    )
    monkeypatch.setattr(importing, "import_people", lambda *a, **k: int(CANARY))

    with pytest.raises(jobs.JobFailed) as failure:
        run_import(str(job.pk))

    assert str(failure.value).startswith("ValueError at test_import_jobs.py:")
    assert CANARY not in str(failure.value) and failure.value.__suppress_context__


def test_file_is_deleted_when_it_cannot_be_read(
    client, signed_in, case_worker_mae_sot, queue_upload
):
    signed_in(case_worker_mae_sot)
    job, task = queue_upload(to_csv([row()]))
    import_jobs.upload_path(job.pk).write_bytes(b"not a token")

    task()

    job.refresh_from_db()
    assert job.status == "failed" and job.error.startswith("InvalidToken")
    assert not import_jobs.upload_path(job.pk).exists() and Person.objects.count() == 0


def test_job_shows_saving_while_the_people_are_saved(
    client, signed_in, case_worker_mae_sot, queue_upload, monkeypatch
):
    seen = []
    save = importing._save

    def save_and_look(*args, **kwargs):
        seen.append(ImportJob.objects.values("status", "saving", "rows_done", "rows_total").get())
        return save(*args, **kwargs)

    monkeypatch.setattr(importing, "_save", save_and_look)
    signed_in(case_worker_mae_sot)
    job, task = queue_upload(to_csv([row(), row(**someone(0))]))

    task()

    assert seen == [{"status": "running", "saving": True, "rows_done": 2, "rows_total": 2}]
    job.refresh_from_db()
    assert job.status == "done" and not job.saving


def test_a_second_delivery_of_the_task_does_nothing(client, signed_in, admin_user, queue_upload):
    signed_in(admin_user)
    job, task = queue_upload(SAMPLE_CSV.encode())
    task()

    run_import(str(job.pk))

    assert Person.objects.count() == 5 and AuditEvent.objects.filter(action="import").count() == 1
    job.refresh_from_db()
    assert job.status == "done"


def test_task_of_a_deleted_job_returns_quietly(db):
    assert run_import(str(uuid.uuid4())) is None


def test_import_audit_row_carries_the_upload_request(client, signed_in, admin_user, queue_upload):
    signed_in(admin_user)
    job, task = queue_upload(SAMPLE_CSV.encode())

    task()  # after the request, as a worker would

    event = AuditEvent.objects.get(action="import")
    assert event.actor == admin_user and event.path == reverse("people:import")
    assert event.request_id == job.request_id != "" and event.source_ip == "127.0.0.1"


# --- Leftovers ---------------------------------------------------------------------------


def test_leftover_files_and_unfinished_jobs_are_cleaned_up_after_a_day(case_worker_mae_sot):
    def job_with_file(age: timedelta) -> ImportJob:
        job = import_jobs.request_import(
            user=case_worker_mae_sot, data=b"x", file_name="p.csv", dry_run=False
        )
        then = (timezone.now() - age).timestamp()
        os.utime(import_jobs.upload_path(job.pk), (then, then))
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)
        return job

    old, recent = job_with_file(timedelta(hours=25)), job_with_file(timedelta(hours=2))
    stray = import_jobs.upload_dir() / str(uuid.uuid4())  # a job rolled back after writing it
    stray.write_bytes(b"x")
    os.utime(stray, (0, 0))

    assert import_jobs.delete_leftovers() == 2

    assert not import_jobs.upload_path(old.pk).exists() and not stray.exists()
    assert import_jobs.upload_path(recent.pk).exists()
    assert dict(ImportJob.objects.values_list("pk", "status")) == {
        old.pk: "failed",
        recent.pk: "queued",
    }


def test_reports_and_file_names_are_erased_a_month_after_the_import(
    client, signed_in, case_worker_mae_sot
):
    report = ImportReport(rows_read=1, errors=[RowError(2, "full_name", "Kyaw Min is invalid")])
    old, recent = done_job(case_worker_mae_sot, report), done_job(case_worker_mae_sot, report)
    now = timezone.now()
    ImportJob.objects.filter(pk=old.pk).update(finished_at=now - timedelta(days=31))
    ImportJob.objects.filter(pk=recent.pk).update(finished_at=now - timedelta(days=29))

    import_jobs.delete_leftovers(now)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.report_erased, old.report_data, old.file_name) == (True, "", "")
    assert recent.report is not None and recent.file_name == "intake.csv"
    signed_in(case_worker_mae_sot)
    page = job_page(client, old).content.decode()
    assert "report was deleted a month after the import" in page and "Kyaw Min" not in page
    assert "Kyaw Min" in job_page(client, recent).content.decode()


def test_daily_housekeeping_deletes_leftover_import_files(case_worker_mae_sot):
    import_jobs.request_import(
        user=case_worker_mae_sot, data=b"x", file_name="p.csv", dry_run=False
    )
    for path in import_jobs.upload_dir().iterdir():
        os.utime(path, (0, 0))

    assert clear_expired_sessions_and_invitations()["import_files"] == 1
