"""People imports run as background jobs, with progress.

The upload page calls `request_import`: the file is written encrypted (0600) under
VAR_DIR/imports/<job id> and the task `people.tasks.run_import` is queued after commit. The
task reads the file and deletes it at once, runs `people.importing.import_people` (all or
nothing) while recording its progress on the job, and stores the report, encrypted: error
reasons may quote the file's cells. A failure marks the job failed; nothing is imported.
"""

from __future__ import annotations

import json
import os
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from people import importing
from people.models import ImportJob
from portal import crypto, request_context
from portal.models import User
from portal.roles import STAFF_WITH_PERSON_DATA

# Files whose task never ran (a lost message, a stopped worker) are deleted after a day.
LEFTOVER_AGE = timedelta(days=1)
# A report keeps the first errors only: enough to correct a file, small enough to store.
MAX_STORED_ERRORS = 1000
# Reports (which may quote cells) and file names are erased a month after the import.
REPORT_LIFETIME = timedelta(days=30)


class ImportFailed(Exception):
    """An import job failed. The message names the kind of error and the line of code it
    came from, never the error's own message (which may quote the file)."""


def upload_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def upload_path(job_id: UUID | str) -> Path:
    return upload_dir() / str(UUID(str(job_id)))


def get_job_for_user(user: User, pk: UUID | str) -> ImportJob:
    """The job if `user` uploaded its file, else 404: a report may quote the file's cells,
    so nobody else sees it, admins included."""
    try:
        return ImportJob.objects.get(pk=pk, requested_by=user)
    except ImportJob.DoesNotExist as exc:
        raise Http404 from exc


@transaction.atomic
def request_import(*, user: User, data: bytes, file_name: str, dry_run: bool) -> ImportJob:
    """Keep the file (encrypted) for the task and queue it, to run after commit."""
    # Lazy: the task module imports this one (the accepted task ↔ service pair).
    from people.tasks import run_import  # noqa: PLC0415

    if user.role not in STAFF_WITH_PERSON_DATA:
        raise PermissionDenied
    context = request_context.get()
    job = ImportJob.objects.create(
        requested_by=user,
        file_name=file_name,
        dry_run=dry_run,
        request_id=context.request_id if context else "",
        source_ip=context.source_ip if context else None,
        request_path=context.path[:300] if context else "",
    )
    _write_private(upload_path(job.pk), crypto.encrypt_bytes(data))
    run_import.delay_on_commit(str(job.pk))
    return job


def _write_private(path: Path, content: bytes) -> None:
    # Created with mode 0600: the file is never readable by others, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def _take_upload(job_id: UUID) -> bytes:
    """The uploaded bytes; the file is deleted whether or not it could be read."""
    path = upload_path(job_id)
    try:
        return crypto.decrypt_bytes(path.read_bytes())
    finally:
        path.unlink(missing_ok=True)


def run(job_id: str) -> None:
    """Run a queued job (called by the task). Returns quietly when the job is gone or was
    already claimed; raises `ImportFailed` after marking the job failed."""
    job = ImportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        return
    # Claimed with a conditional update: two workers never run the same job.
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    if not claimed:
        return
    try:
        report = _import(job, _take_upload(job.pk))
    except Exception as error:
        failure = describe_failure(error)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            saving=False,
            error=failure[:300],
            finished_at=timezone.now(),
        )
        raise ImportFailed(failure) from None
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        rows_done=report.rows_read,
        rows_total=report.rows_read,
        saving=False,
        report_data=json.dumps(report.to_dict(MAX_STORED_ERRORS)),  # encrypted by the field
        finished_at=timezone.now(),
    )


def _import(job: ImportJob, data: bytes) -> importing.ImportReport:
    def on_progress(rows_done: int, rows_total: int, *, saving: bool = False) -> None:
        # Outside the import's transaction (it opens only to save): the page sees each step.
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=rows_done, rows_total=rows_total, saving=saving
        )

    # The import's audit row and log lines carry the upload request's id, address and path.
    token = request_context.current.set(
        request_context.RequestContext(job.request_id, job.source_ip, job.request_path)
    )
    try:
        return importing.import_people(
            data,
            filename=job.file_name,
            user=job.requested_by,
            dry_run=job.dry_run,
            progress=on_progress,
        )
    finally:
        request_context.current.reset(token)


def describe_failure(error: BaseException) -> str:
    """The kind of error and where it was raised, e.g. 'ValueError at importing.py:120 in
    _save': enough to find the bug, without the message."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    frame = frames[-1]
    return f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno} in {frame.name}"


def daily_housekeeping(sender, now: datetime, **kwargs) -> dict[str, int]:
    """Receiver of `portal.signals.daily_housekeeping`."""
    return {"import_files": delete_leftovers(now)}


def delete_leftovers(now: datetime | None = None) -> int:
    """Delete upload files older than a day, mark jobs still unfinished after a day failed
    (their task never ran or was stopped), and erase the reports and file names of jobs
    finished more than `REPORT_LIFETIME` ago. Returns the number of files deleted."""
    now = now or timezone.now()
    cutoff = now - LEFTOVER_AGE
    deleted = 0
    for path in upload_dir().iterdir():
        if datetime.fromtimestamp(path.stat().st_mtime, tz=UTC) < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    ImportJob.objects.filter(
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING], created_at__lt=cutoff
    ).update(
        status=ImportJob.Status.FAILED,
        saving=False,
        error="not finished within a day",
        finished_at=now,
    )
    ImportJob.objects.filter(finished_at__lt=now - REPORT_LIFETIME, report_erased=False).update(
        report_data="", file_name="", report_erased=True
    )
    return deleted
