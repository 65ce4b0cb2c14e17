"""The machine a benchmark ran on, and two fixed workloads to compare runs made on different
machines or at different moments of a shared one."""

from __future__ import annotations

import os
import platform

import django
from django.conf import settings
from django.db import connection

from devtools.bench.measuring import measure


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kib = int(info.readline().split()[1])
            memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            database = f"{connection.vendor} {connection.Database.sqlite_version}"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        # Other work on the machine skews the figures: the load when the run started.
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
    }


CALIBRATION_ROWS = 200_000
_COUNT_TO_N = (
    "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < %s) "
    "SELECT COUNT(*) FROM numbers"
)


def _python_workload() -> int:
    """Dictionaries, strings and formatting, the kind of work Django does for a page."""
    rows = [{"id": n, "name": f"person {n}"} for n in range(CALIBRATION_ROWS // 10)]
    return sum(len(f"{row['id']}:{row['name']}") for row in rows)


def _sql_workload() -> int:
    """A query that reads no table: the database server's speed, not the data's."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_TO_N, [CALIBRATION_ROWS])
        return cursor.fetchone()[0]


def calibration(runs: int = 9) -> dict:
    """Two fixed workloads, to compare runs made on different machines, or at different
    moments of a shared one (the same code was 2.4 times slower on session 3's machine)."""
    return {
        "python_ms": round(measure(_python_workload, runs, 1).median * 1000, 2),
        "sql_ms": round(measure(_sql_workload, runs, 1).median * 1000, 2),
    }


def settings_note() -> str:
    return f"DEBUG={settings.DEBUG}, database {connection.vendor}"
