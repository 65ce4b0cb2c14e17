"""People imports run as background jobs, with progress.

The upload page calls `request_import`: the file is written encrypted (0600) under
VAR_DIR/imports/<job id> and the task `people.tasks.run_import` is sent after commit. The
job runs on the core's runner (`portal.jobs`, docs/jobs.md): the task claims it, reads the
file, runs `people.importing.import_people` (all or nothing) while recording its progress
(each step is a heartbeat), and stores the report, encrypted: error reasons may quote the
file's cells. The file is kept until the job is done or has failed for good, so that an
attempt stopped with its worker starts again from the file. A failure imports nothing.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from people import importing
from people.models import ImportJob
from portal import crypto, jobs, request_context
from portal.models import User
from portal.models.jobs import FailureReason
from portal.roles import STAFF_WITH_PERSON_DATA

# Files whose task never ran (a lost message, a stopped worker) are deleted after a day.
LEFTOVER_AGE = timedelta(days=1)
# A report keeps the first errors only: enough to correct a file, small enough to store.
MAX_STORED_ERRORS = 1000
# Reports (which may quote cells) and file names are erased a month after the import.
REPORT_LIFETIME = timedelta(days=30)


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
def request_import(
    *,
    user: User,
    data: bytes,
    file_name: str,
    dry_run: bool,
    decisions: dict[int, str] | None = None,
    decided_for: str = "",
) -> ImportJob:
    """Keep the file (encrypted) for the task and queue it, to run after commit.
    `decisions`: line → "skip" or "new" for the lines with likely duplicates, made on the
    report of the file whose SHA-256 is `decided_for` (`people.importing.import_people`)."""
    if user.role not in STAFF_WITH_PERSON_DATA:
        raise PermissionDenied
    context = request_context.get()
    job = ImportJob.objects.create(
        requested_by=user,
        file_name=file_name,
        dry_run=dry_run,
        decisions={str(line): choice for line, choice in (decisions or {}).items()},
        decided_for=decided_for,
        request_id=context.request_id if context else "",
        source_ip=context.source_ip if context else None,
        request_path=context.path[:300] if context else "",
    )
    _write_private(upload_path(job.pk), crypto.encrypt_bytes(data))
    jobs.send_on_commit(job)
    return job


def _write_private(path: Path, content: bytes) -> None:
    # Created with mode 0600: the file is never readable by others, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def _read_upload(job_id: UUID) -> bytes:
    return crypto.decrypt_bytes(upload_path(job_id).read_bytes())


class ImportRunner(jobs.JobRunner):
    model = ImportJob
    time_budget = timedelta(minutes=25)
    # The people are saved in one transaction with no progress in between: a large file
    # may take minutes there, so a stopped heartbeat is believed only after 10.
    stale_after = timedelta(minutes=10)

    @classmethod
    def load(cls, job_id):
        return ImportJob.objects.select_related("requested_by").filter(pk=job_id).first()

    def work(self) -> None:
        report = _import(self, _read_upload(self.job.pk))
        self.finish(
            rows_done=report.rows_read,
            rows_total=report.rows_read,
            saving=False,
            report_data=json.dumps(report.to_dict(MAX_STORED_ERRORS)),  # encrypted by the field
        )

    def fail(self, reason: str, error: str, **fields) -> bool:
        return super().fail(reason, error, saving=False, **fields)

    def failure_reason(self, error: BaseException) -> str:
        if isinstance(error, InvalidToken | FileNotFoundError):
            return FailureReason.UNREADABLE
        return FailureReason.ERROR

    def on_final(self) -> None:
        # Done or failed for good: no attempt will read the file again.
        upload_path(self.job.pk).unlink(missing_ok=True)


def run(job_id: str) -> None:
    """Run one attempt of a queued job (called by the task). Returns quietly when the job is
    gone or was already claimed; raises `jobs.JobFailed` after marking the job failed."""
    ImportRunner.handle(job_id)


def _import(runner: ImportRunner, data: bytes) -> importing.ImportReport:
    job = runner.job

    def on_progress(rows_done: int, rows_total: int, *, saving: bool = False) -> None:
        # Outside the import's transaction (it opens only to save): the page sees each step,
        # and each step is a heartbeat.
        runner.progress(rows_done=rows_done, rows_total=rows_total, saving=saving)

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
            decisions={int(line): choice for line, choice in job.decisions.items()},
            decided_for=job.decided_for,
        )
    finally:
        request_context.current.reset(token)


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
        reason=FailureReason.TOO_LONG,
        error="not finished within a day",
        finished_at=now,
    )
    ImportJob.objects.filter(finished_at__lt=now - REPORT_LIFETIME, report_erased=False).update(
        report_data="", file_name="", report_erased=True
    )
    return deleted
