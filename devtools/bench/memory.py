"""The import's and the export's time and peak memory, each measured in a child process.

`ru_maxrss` is the highest resident set a process ever had, and it never goes down: measured
inside `bench`, it would be the benchmark's own peak (the seeding, the other scenarios). Each
child starts fresh, as a worker does, runs the worker's job and rolls it back:

- `manage.py bench_import_memory`: the import job of `people.tasks.run_import`, from the
  upload as the upload page keeps it (encrypted, written here so that the child's peak holds
  only what the worker holds);
- `manage.py bench_export_memory`: the export job of `portal.tasks.build_export`, every
  current person to the AES-encrypted ZIP.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

from devtools.bench.fixtures import import_csv, minimal_import_csv
from portal import crypto

MEMORY_ROWS = 100_000  # the benchmark's file, full rows: 15 MB
# The worst case within the limits: IMPORT_MAX_ROWS rows with only a name and a site (8 MB).
MINIMAL_ROWS = 200_000
# Seconds: 100,000 rows imported, or a million people exported, on the slowest machine seen,
# with a margin.
CHILD_TIMEOUT = 1800


def _run_child(arguments: list[str]) -> dict:
    """The child's one line of JSON, or {"error": its last line}."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments]
    finished = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
    )
    if finished.returncode != 0:
        # The last line only: the child prints a one-line reason, never a person's data.
        lines = finished.stderr.strip().splitlines() or ["no output"]
        return {"error": lines[-1][:200]}
    return json.loads(finished.stdout.strip().splitlines()[-1])


def import_peak_rss(
    rows: int = MEMORY_ROWS, email: str = "caseworker@demo.example", *, minimal: bool = False
) -> dict:
    """Peak RSS (MB) and time of a fresh process running the import job of `rows` rows
    (`minimal`: rows with only a name and a site), and its peak just before the job (Django
    loaded): the job's own part is the difference."""
    data = minimal_import_csv(rows) if minimal else import_csv(rows)
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder) / "upload"
        upload.write_bytes(crypto.encrypt_bytes(data))
        figures = _run_child(
            [
                "bench_import_memory",
                str(upload),
                "--user",
                email,
                "--decided-for",
                hashlib.sha256(data).hexdigest(),
            ]
        )
    return {**figures, "rows": rows, "file_mb": round(len(data) / 2**20, 1)}


def export_peak_rss(email: str = "admin@demo.example") -> dict:
    """Peak RSS (MB), rows and rows per second of a fresh process exporting every current
    person as `email` (the demo admin: every site) to the encrypted ZIP (CSV inside)."""
    return _run_child(["bench_export_memory", "--user", email])
