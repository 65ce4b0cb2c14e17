"""Person-level exports: built by a Celery task into an AES-256 encrypted ZIP (CSV or XLSX
inside), memory bounded whatever the row count, deleted after 24 hours.

An exporter is a function `(user, params) -> Table` named in settings.EXPORTERS (each app
names its own, so the core imports none of them); it returns the
header, the row count and an iterator of rows (use `.iterator()` on querysets).

The build runs on the core's job runner (`portal.jobs`, docs/jobs.md): progress every 1000
rows is its heartbeat, and an attempt that stops removes its partial zip.
"""

from __future__ import annotations

import csv
import io
import secrets
import string
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyzipper
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from openpyxl import Workbook

from portal import auditing, jobs, replica
from portal.models import ExportJob, User

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 1000
# People listed per audit row of an export (see `_record_exported_people`).
AUDIT_PART = 10_000


@dataclass
class Table:
    header: list[str]
    total: int
    rows: Iterable[Iterable[Any]]
    # For a file about people: their ids, read once the file is built, so that the audit
    # log says who is in it (a leaked file can then be traced to the people it exposes).
    person_ids: Callable[[], Iterable[int]] | None = None


def neutralise(value: Any) -> Any:
    """Make a cell safe to open in a spreadsheet: text that starts like a formula is prefixed
    with an apostrophe so it is shown, never evaluated (CSV/formula injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def generate_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20))


@transaction.atomic
def request_export(*, user: User, kind: str, params: dict, file_format: str = "csv") -> ExportJob:
    """Queue an export (audited now, in the request's transaction) for the background task."""
    if kind not in settings.EXPORTERS:
        raise ValueError(f"Unknown export: {kind}")
    job = ExportJob.objects.create(
        kind=kind, params=params, file_format=file_format, requested_by=user
    )
    auditing.record(
        auditing.Action.EXPORT,
        actor=user,
        obj=job,
        object_type=f"export.{kind}",
        changes={"filters": [None, params], "format": [None, file_format]},
    )
    jobs.send_on_commit(job)
    return job


def _csv_bytes(
    header: list[str], rows: Iterable[Iterable[Any]], on_row: Callable[[], None]
) -> Iterator[bytes]:
    """CSV as UTF-8 with BOM (Excel reads Burmese correctly), one encoded line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        on_row()
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _write_xlsx(
    path: Path, header: list[str], rows: Iterable[Iterable[Any]], on_row: Callable[[], None]
) -> None:
    workbook = Workbook(write_only=True)  # rows go straight to a temporary file
    sheet = workbook.create_sheet("export")
    sheet.append(header)
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
        on_row()
    workbook.save(path)


class ExportRunner(jobs.JobRunner):
    model = ExportJob
    time_budget = timedelta(minutes=25)

    @classmethod
    def load(cls, job_id):
        return ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()

    def work(self) -> None:
        build(self)

    def clean_up_partial(self) -> None:
        file_path(self.job).unlink(missing_ok=True)
        scratch_path(self.job).unlink(missing_ok=True)


def build(runner: ExportRunner) -> None:
    """Build the file of a claimed job (one attempt, run by `ExportRunner`)."""
    job = runner.job
    # The rows may be a few seconds old: read from the replica when there is one (progress
    # and the audit row are written to the primary all the same).
    with replica.reading_from_replica("export"):
        table: Table = import_string(settings.EXPORTERS[job.kind])(job.requested_by, job.params)
        runner.progress(rows_total=table.total)
        done = 0

        def on_row() -> None:
            nonlocal done
            done += 1
            if done % PROGRESS_EVERY == 0:
                runner.progress(rows_done=done)

        password = generate_password()
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        inner_name = f"{job.kind}-{stamp}.{job.file_format}"
        with pyzipper.AESZipFile(
            file_path(job), "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password.encode())
            if job.file_format == ExportJob.Format.XLSX:
                scratch = scratch_path(job)
                try:
                    _write_xlsx(scratch, table.header, table.rows, on_row)
                    archive.write(scratch, inner_name)
                finally:
                    scratch.unlink(missing_ok=True)
            else:
                with archive.open(inner_name, "w", force_zip64=True) as member:
                    for chunk in _csv_bytes(table.header, table.rows, on_row):
                        member.write(chunk)
        # 8 bytes an id: a million people are 8 MB here, not the ~100 MB of a list of ints
        # turned into one JSON audit row.
        shown = array("q", table.person_ids()) if table.person_ids is not None else None
    if shown is not None:
        _record_exported_people(job, shown)
    runner.finish(
        rows_done=done,
        file_name=f"{job.kind}-{stamp}.zip",
        password=password,  # encrypted by the field on the way to the database
    )


def _record_exported_people(job: ExportJob, person_ids: array) -> None:
    """Who was exported, in the audit log: one row per AUDIT_PART people (a part of a large
    export), so that neither the worker nor the audit log holds a million ids at once."""
    page = f"export:{job.kind}"
    for start in range(0, max(len(person_ids), 1), AUDIT_PART):
        auditing.record_page_read(
            job.requested_by, page, person_ids[start : start + AUDIT_PART].tolist()
        )


def scratch_path(job: ExportJob) -> Path:
    return export_dir() / f"{job.pk}.xlsx"


def file_path(job: ExportJob) -> Path:
    return export_dir() / f"{job.pk}.zip"


def delete_expired(now=None) -> int:
    """Delete export files older than 24 hours; the job rows stay, marked deleted."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(expires_at__lte=now).exclude(status=ExportJob.Status.EXPIRED)
    count = 0
    for job in expired.only("pk"):
        file_path(job).unlink(missing_ok=True)
        count += 1
    expired.update(status=ExportJob.Status.EXPIRED, password="")
    return count
