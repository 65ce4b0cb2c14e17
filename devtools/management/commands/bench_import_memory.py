"""`manage.py bench_import_memory UPLOAD --user EMAIL --decided-for SHA256`: run a people
import as the worker runs it, in a transaction that is rolled back, and print as one line of
JSON the process's peak RSS before and after, the time the job took and the people it saved.

UPLOAD is the file as the upload page keeps it for the worker (encrypted, see
`people.import_jobs.request_import`); SHA256 is the digest of the file inside. The job is the
one the Celery task `people.tasks.run_import` runs (claim, decrypt the upload, check and save
every row with its progress heartbeats, store the report), called in this process. Run by
`bench` in a child process (see `devtools.bench.memory`).
"""

from __future__ import annotations

import functools
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from people import import_jobs, importing, tasks
from people.import_report import ImportReport
from people.models import ImportJob
from portal.models import User


def peak_rss_mb() -> float:
    """This process's own peak resident set, in MB.

    On Linux, `ru_maxrss` keeps the peak of the process before its exec: `bench` starts this
    child with vfork and exec, so the child reported the benchmark's own peak (218 MB "before
    the import" for a 100,000-row file, 128 MB for 20,000 rows). VmHWM is the peak of the
    memory of this program only."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # in kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux gives kilobytes, macOS bytes.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


@contextmanager
def every_line_imported_as_new() -> Iterator[None]:
    """The benchmark's decision on its file's likely duplicates: every line is a new person.

    Its generated names repeat (in the file and in the data set), so thousands of lines have
    a likely duplicate: a user would decide them on the report of a first run, and more than
    `people.importing.MAX_DUPLICATE_LINES` cannot be decided one by one. The job is the
    worker's in every other respect; only its call of `import_people` gets `all_new`, the
    decision the importer offers for a file whose report was read."""
    original = importing.import_people
    importing.import_people = functools.partial(original, all_new=True)
    try:
        yield
    finally:
        importing.import_people = original


class Command(BaseCommand):
    help = "Run an import job (rolled back) and print its time and peak RSS as JSON (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("upload", type=Path, help="The encrypted upload.")
        parser.add_argument("--user", required=True, metavar="EMAIL")
        parser.add_argument("--decided-for", required=True, metavar="SHA256")
        parser.add_argument("--file-name", default="bench.csv")

    def handle(self, *args, upload: Path, user: str, decided_for: str, file_name: str, **options):
        if not settings.DEBUG:
            raise CommandError("bench_import_memory is a benchmark: run it with DEBUG=True.")
        importer = User.objects.filter(email__iexact=user).first()
        if importer is None:
            raise CommandError(f"No user {user}: run seed_demo first.")
        before = peak_rss_mb()
        with (
            tempfile.TemporaryDirectory() as var_dir,
            # As in production: DEBUG would keep every query's SQL in memory. The upload and
            # the job's files go to a folder of this run.
            override_settings(DEBUG=False, VAR_DIR=Path(var_dir)),
            transaction.atomic(),
        ):
            job = ImportJob.objects.create(
                requested_by=importer, file_name=file_name, decided_for=decided_for
            )
            # Where the upload page leaves it (0600), copied without reading it into memory.
            target = import_jobs.upload_path(job.pk)
            shutil.copyfile(upload, target)
            os.chmod(target, 0o600)
            started = time.monotonic()
            try:
                with every_line_imported_as_new():
                    tasks.run_import(str(job.pk))  # the task's body, in this process
            except Exception as error:  # JobFailed: its message names the error kind only
                raise CommandError(f"The import job failed: {error}") from None
            seconds = time.monotonic() - started
            job.refresh_from_db()
            transaction.set_rollback(True)
        if job.status != ImportJob.Status.DONE:
            raise CommandError(f"The import job did not finish: {job.status}.")
        report = ImportReport.from_dict(json.loads(job.report_data))
        if not report.saved:
            raise CommandError(f"The import refused the file: {report.error_count} error(s).")
        figures = {
            "peak_rss_before_mb": before,
            "peak_rss_mb": peak_rss_mb(),
            "seconds": round(seconds, 2),
            "people_created": report.people_created,
            "rows_per_s": round(report.people_created / seconds),
        }
        self.stdout.write(json.dumps(figures))
