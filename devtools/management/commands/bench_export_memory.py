"""`manage.py bench_export_memory --user EMAIL`: export every current person as the user
(an admin: all sites) to the encrypted ZIP, as the worker builds it, in a transaction that is
rolled back, and print as one line of JSON the process's peak RSS before and after, the rows
written, the time and the ZIP's size.

The export is requested as the export page requests it (`portal.exports.request_export`,
audited) and built by the body of the Celery task `portal.tasks.build_export`, called in this
process; the ZIP is written to a temporary folder, deleted at the end. Run by `bench` in a
child process (see `devtools.bench.memory`).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from devtools.management.commands.bench_import_memory import peak_rss_mb
from portal import exports, tasks
from portal.models import ExportJob, User


class Command(BaseCommand):
    help = "Export every person (rolled back) and print the time and peak RSS as JSON (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, metavar="EMAIL")
        parser.add_argument(
            "--format", default=ExportJob.Format.CSV, choices=ExportJob.Format.values
        )

    def handle(self, *args, user: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("bench_export_memory is a benchmark: run it with DEBUG=True.")
        exporter = User.objects.filter(email__iexact=user).first()
        if exporter is None:
            raise CommandError(f"No user {user}: run seed_demo first.")
        before = peak_rss_mb()
        with (
            tempfile.TemporaryDirectory() as var_dir,
            # As in production: DEBUG would keep every query's SQL in memory.
            override_settings(DEBUG=False, VAR_DIR=Path(var_dir)),
            transaction.atomic(),
        ):
            # No filters: every current person the user may see.
            job = exports.request_export(
                user=exporter, kind="people", params={}, file_format=options["format"]
            )
            started = time.monotonic()
            try:
                tasks.build_export(str(job.pk))  # the task's body, in this process
            except Exception as error:  # JobFailed: its message names the error kind only
                raise CommandError(f"The export job failed: {error}") from None
            seconds = time.monotonic() - started
            job.refresh_from_db()
            done = job.status == ExportJob.Status.DONE
            zip_bytes = exports.file_path(job).stat().st_size if done else 0
            # The job, its audit rows and the message it would send go with the rollback.
            transaction.set_rollback(True)
        if not done:
            raise CommandError(f"The export job did not finish: {job.status}.")
        figures = {
            "peak_rss_before_mb": before,
            "peak_rss_mb": peak_rss_mb(),
            "seconds": round(seconds, 2),
            "rows": job.rows_done,
            "rows_per_s": round(job.rows_done / seconds),
            "zip_mb": round(zip_bytes / 2**20, 1),
        }
        self.stdout.write(json.dumps(figures))
