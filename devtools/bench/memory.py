"""The import's peak memory, measured in a child process of its own.

`ru_maxrss` is the highest resident set a process ever had, and it never goes down: measured
inside `bench`, it would be the benchmark's own peak (the seeding, the other scenarios). The
child (`manage.py bench_import_memory`) starts fresh, reads the file as a worker receives it
(bytes in memory) and imports it in a transaction that is rolled back.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

from devtools.bench.fixtures import import_csv, minimal_import_csv

MEMORY_ROWS = 100_000  # the benchmark's file, full rows: 15 MB
# The worst case within the limits: IMPORT_MAX_ROWS rows with only a name and a site (8 MB).
MINIMAL_ROWS = 200_000
CHILD_TIMEOUT = 900  # seconds: 100,000 rows on the slowest machine seen, with a margin


def import_peak_rss(
    rows: int = MEMORY_ROWS, email: str = "caseworker@demo.example", *, minimal: bool = False
) -> dict:
    """Peak RSS (MB) of a fresh process importing `rows` rows (`minimal`: rows with only a
    name and a site), and of the same process just before the import (Django loaded, the file
    read): the import's own part is the difference."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "import.csv"
        size = path.write_bytes(minimal_import_csv(rows) if minimal else import_csv(rows))
        command = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench_import_memory",
            str(path),
            "--user",
            email,
        ]
        finished = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
        )
    if finished.returncode != 0:
        # The last line only: the child prints a one-line reason, never the file's content.
        lines = finished.stderr.strip().splitlines() or ["no output"]
        return {"error": lines[-1][:200], "rows": rows}
    figures = json.loads(finished.stdout.strip().splitlines()[-1])
    return {**figures, "rows": rows, "file_mb": round(size / 2**20, 1)}
