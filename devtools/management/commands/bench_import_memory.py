"""`manage.py bench_import_memory FILE --user EMAIL`: import FILE in a transaction that is
rolled back and print, as one line of JSON, the process's peak RSS before and after, and the
time taken. Run by `bench` in a child process (see `devtools.bench.memory`)."""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from people import importing
from portal.models import User


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux gives kilobytes, macOS bytes.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


class Command(BaseCommand):
    help = "Import a file (rolled back) and print the process's peak RSS as JSON (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, metavar="EMAIL")

    def handle(self, *args, file: Path, user: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("bench_import_memory is a benchmark: run it with DEBUG=True.")
        importer = User.objects.filter(email__iexact=user).first()
        if importer is None:
            raise CommandError(f"No user {user}: run seed_demo first.")
        data = file.read_bytes()
        before = peak_rss_mb()
        started = time.monotonic()
        # As in production: DEBUG would keep every query's SQL in memory.
        with override_settings(DEBUG=False), transaction.atomic():
            # Generated names repeat: lines with likely duplicates are imported as new.
            report = importing.import_people(
                data,
                filename=file.name,
                user=importer,
                all_new=True,
                decided_for=hashlib.sha256(data).hexdigest(),
            )
            transaction.set_rollback(True)
        seconds = time.monotonic() - started
        if not report.saved:
            raise CommandError(f"The import refused the file: {report.error_count} error(s).")
        figures = {
            "peak_rss_before_mb": before,
            "peak_rss_mb": peak_rss_mb(),
            "seconds": round(seconds, 2),
            "rows_per_s": round(report.people_created / seconds),
        }
        self.stdout.write(json.dumps(figures))
