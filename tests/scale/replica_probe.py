"""Runs inside a portal process whose DATABASE_URL is a primary and REPLICA_DATABASE_URL its
streaming replica (started by tests/scale/test_replica.py), and prints as JSON which
server each read went to: `python tests/scale/replica_probe.py routed|lagging|missing`.

Every statement is watched on both connections (`execute_wrapper`), so the test sees the
tables each one read, not only the alias chosen; the replica connection also says its port
(`inet_server_port()`) and that it is a standby (`pg_is_in_recovery()`).
"""

import json
import logging
import re
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from portal import replica  # noqa: E402
from portal.exports import request_export  # noqa: E402
from portal.models import Location  # noqa: E402
from portal.roles import Role  # noqa: E402
from reports import services  # noqa: E402
from reports.periods import parse  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.conftest import site as conftest_site  # noqa: E402
from tests.people.factories import ExitFactory  # noqa: E402

TABLE = re.compile(r'(?:FROM|JOIN) "(\w+)"')


class Watch:
    """The tables each SELECT read, by the alias whose connection ran it: this thread's
    connections, and those other threads open meanwhile (a report build computes its
    sections on threads of its own, `reports.compute._computed_at_once`)."""

    def __init__(self) -> None:
        self.read: dict[str, set[str]] = {"default": set(), "replica": set()}
        self.stack = ExitStack()
        self.thread = threading.current_thread()
        self.other_threads: set[int] = set()  # that read through a watched alias

    def __enter__(self):
        for alias in self.read:
            self.stack.enter_context(connections[alias].execute_wrapper(self._wrapper(alias)))
        connection_created.connect(self._watch_new_connection)
        self.stack.callback(connection_created.disconnect, self._watch_new_connection)
        return self

    def __exit__(self, *exc):
        self.stack.close()

    def _watch_new_connection(self, sender, connection, **kwargs) -> None:
        if connection.alias in self.read and threading.current_thread() is not self.thread:
            connection.execute_wrappers.append(self._wrapper(connection.alias))
            self.other_threads.add(threading.get_ident())

    def _wrapper(self, alias):
        def wrapper(execute, sql, params, many, context):
            if sql.lstrip().upper().startswith("SELECT"):
                self.read[alias].update(TABLE.findall(sql))
            return execute(sql, params, many, context)

        return wrapper

    def result(self) -> dict[str, list[str]]:
        return {alias: sorted(tables) for alias, tables in self.read.items()}


class Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record) -> None:
        self.lines.append(record.getMessage())


def wait_until_caught_up() -> None:
    deadline = time.monotonic() + 60
    while replica.replica_lag() != 0.0:
        assert time.monotonic() < deadline, "the replica did not catch up in 60 s"
        time.sleep(0.1)


def build(period):
    with Watch() as watch:
        version = services.build_report(period)
    return version, {**watch.result(), "threads": len(watch.other_threads)}


def routed() -> dict:
    setup_test_environment()
    site = conftest_site("MAE-SOT")
    admin = make_user(Role.ADMIN, [site], email="admin@example.org")
    analyst = make_user(Role.ANALYST, mfa=False, email="analyst@example.org")
    year = timezone.localdate().year
    for day in range(1, 13):
        ExitFactory(person__location=site, exit_date=f"{year}-01-{day:02d}")
    wait_until_caught_up()
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT inet_server_port(), pg_is_in_recovery()")
        port, in_recovery = cursor.fetchone()

    version, build_reads = build(parse("annual", str(year)))
    services.approve(version.pk, by=admin)

    with Watch() as watch:
        export = request_export(user=admin, kind="people", params={})
    export.refresh_from_db()
    export_reads = watch.result()

    wait_until_caught_up()
    url = reverse("reports:dashboard", kwargs={"kind": "annual", "period": str(year)})
    pages = {}
    for name, user in (("analyst", analyst), ("admin", admin)):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        with Watch() as watch:
            status = client.get(url).status_code
        pages[name] = {"status": status, "reads": watch.result()}
    return {
        "replica_port": port,
        "in_recovery": in_recovery,
        "build": build_reads,
        "export": export_reads,
        "export_status": export.status,
        "export_rows": export.rows_done,
        "dashboard": pages,
    }


def lagging() -> dict:
    """Replay paused on the replica, then a write on the primary: over the limit the build
    reads the primary; under a generous limit it still reads the replica."""
    handler = Logged()
    logging.getLogger("portal.replica").addHandler(handler)
    year = timezone.localdate().year
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        ExitFactory(
            person__location=Location.objects.get(code="MAE-SOT"),
            person__case_number="TS-25-99999",
            exit_date=f"{year}-02-01",
        )
        with override_settings(REPLICA_MAX_LAG_SECONDS=0.0):
            over = build(parse("annual", str(year)))[1]
        with override_settings(REPLICA_MAX_LAG_SECONDS=3600.0):
            under = build(parse("annual", str(year)))[1]
    finally:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    return {"over_limit": over, "under_limit": under, "log": handler.lines}


def missing() -> dict:
    handler = Logged()
    logging.getLogger("portal.replica").addHandler(handler)
    year = timezone.localdate().year
    reads = build(parse("annual", str(year)))[1]
    return {"build": reads, "log": handler.lines}


if __name__ == "__main__":
    assert "replica" in settings.DATABASES, "REPLICA_DATABASE_URL is not set"
    print(json.dumps({"routed": routed, "lagging": lagging, "missing": missing}[sys.argv[1]]()))
