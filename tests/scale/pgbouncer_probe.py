"""Runs inside a portal process whose DATABASE_URL is PgBouncer in transaction mode
(started by tests/scale/test_pgbouncer.py) and prints JSON of what it did: requests, ORM
writes with optimistic locking, a streamed `.iterator()`, a Celery-eager export job, and
threads repeating the same queries over a small server pool (psycopg 3 would prepare them
after 5 runs; prepared statements break once a client moves to another server connection).
"""

import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from people import services as people_services  # noqa: E402
from people.models import Person  # noqa: E402
from portal.exports import request_export  # noqa: E402
from portal.models import ExportJob  # noqa: E402
from portal.roles import Role  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.conftest import site as conftest_site  # noqa: E402
from tests.people.factories import PersonFactory  # noqa: E402


def repeated_queries(errors: list[str]) -> None:
    try:
        for number in range(30):
            Person.objects.filter(pk__gt=number).order_by("pk").first()
            Person.objects.filter(status="active").count()
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        connections.close_all()


def streamed_while_another_client_holds_a_server() -> int:
    """An `.iterator()` read in chunks while another client's transaction holds the server
    connection the iteration started on (PgBouncer lends the most recently used one). A
    server-side cursor stays behind on that connection: the next chunk, on the other
    server, would fail with "cursor does not exist". With them off, the rows come whole."""
    rows = Person.objects.order_by("pk").iterator(chunk_size=5)
    count = sum(1 for _ in zip(range(5), rows, strict=False))
    other = psycopg.connect(
        host="127.0.0.1",
        port=connection.settings_dict["PORT"],
        user="postgres",
        dbname=connection.settings_dict["NAME"],
    )
    try:
        other.execute("SELECT 1")  # opens a transaction: a server is held until commit
        count += sum(1 for _ in rows)
    finally:
        other.rollback()
        other.close()
    return count


def main() -> dict:
    setup_test_environment()
    site = conftest_site("MAE-SOT")
    admin = make_user(Role.ADMIN, [site], email="admin@example.org")
    people = [PersonFactory(location=site) for _ in range(20)]

    # An optimistic-locking save through the service (SELECT ... FOR UPDATE, then UPDATE).
    person = people[0]
    with transaction.atomic():
        changed = people_services.update_person(
            by=admin,
            person=person,
            expected_version=person.version,
            values={"preferred_name": "Renamed"},
        ).obj

    streamed = streamed_while_another_client_holds_a_server()

    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    pages = {
        name: client.get(reverse(url, kwargs=kwargs)).status_code
        for name, url, kwargs in (
            ("people list", "people:list", {}),
            ("person", "people:detail", {"pk": person.pk}),
            ("exports", "portal:export_list", {}),
        )
    }

    export = request_export(user=admin, kind="people", params={})
    export.refresh_from_db()

    errors: list[str] = []
    threads = [threading.Thread(target=repeated_queries, args=(errors,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    return {
        "server_port": connection.cursor().execute("SELECT inet_server_port()").fetchone()[0],
        "prepare_threshold": connection.connection.prepare_threshold,
        "server_side_cursors_disabled": connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"),
        "version_after_save": changed.version,
        "streamed": streamed,
        "pages": pages,
        "export_status": export.status,
        "export_rows": export.rows_done,
        "exports": ExportJob.objects.count(),
        "thread_errors": errors,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
