"""No personal data in the logs of real processes (issue 19): gunicorn started with the
Procfile's own `web:` command line, the development server with Procfile.dev's, and a Celery
worker, on the test database and a private Redis. Requests carry a fake name and phone number
in their query strings, bodies and headers (refused ones too: 401 and 400, and request lines
so malformed that the servers refuse them), a background import carries them in its file and
its file name (one done, one failed), and the captured logs of web and worker must not hold
either.

Like tests/faults/, this needs PostgreSQL (the processes share the test database) and
redis-server on PATH: it skips without them, and fails under REQUIRE_SERVICES=1. Ports
8830-8831.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from knox.models import AuthToken

from config.celery import app
from people import import_jobs
from people.import_rows import COLUMNS
from people.models import ImportJob, Person
from portal.logging import without_client_text
from portal.roles import Role
from tests.conftest import make_user, site
from tests.faults.conftest import Worker, database_url, point_celery_at, wait_for
from tests.people.test_import import GOOD
from tests.private_redis import REDIS_SERVER, PrivateRedis

BASE_DIR = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent
GUNICORN_PORT, RUNSERVER_PORT = 8830, 8831
# The markers: a fake name (also in Burmese script) and a fake phone number.
NAME = "Kyawthu Zarni Marker"
NAME_MY = "ကျော်သူဇာနည်"
PHONE = "0912345987"
MARKERS = ("kyawthu", "zarni", PHONE, NAME_MY, urllib.parse.quote(NAME_MY).lower())


@pytest.fixture
def _needs_redis_server():
    if REDIS_SERVER is None:
        message = "needs redis-server on PATH (apt-get install redis-server)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}, and REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip(message)


def procfile_command(procfile: str, process: str) -> str:
    """The command line of `process` in a Procfile, as written there."""
    for line in (BASE_DIR / procfile).read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise AssertionError(f"no {process}: line in {procfile}")


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Server:
    """A web process started from a command line through the shell (as honcho and Heroku
    do), its output (stdout and stderr) captured in a file."""

    def __init__(self, command: str, port: int, env: dict[str, str], log: Path) -> None:
        assert port_is_free(port), f"port {port} is in use"
        self.port, self.log = port, log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - the Procfile's own command line
            ["/bin/sh", "-c", f"exec {command}"],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, f"the server on port {port} (log: {log})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the server exited:\n{self.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(self.url("/healthz"), timeout=2):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True  # it answers
        except OSError:
            return False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log_file.close()


def base_env(redis_url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "VAR_DIR": str(var_dir),
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "DEBUG",  # the most a process can say
    }


@pytest.fixture
def services(_needs_redis_server, transactional_db, tmp_path, settings):
    """The private Redis, the shared VAR_DIR, and the processes started by the test (all
    stopped at the end, before the test database is emptied)."""
    redis = PrivateRedis()
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.task_always_eager = False
    point_celery_at(redis.url)
    started: list = []

    class Services:
        env = base_env(redis.url, settings.VAR_DIR)

        def web(self, command: str, port: int, log: str, **env: str) -> Server:
            server = Server(command, port, {**self.env, **env}, tmp_path / log)
            started.append(server)
            return server

        def worker(self) -> Worker:
            mail = tmp_path / "mail"
            mail.mkdir(exist_ok=True)
            worker = Worker(redis.url, settings.VAR_DIR, mail, tmp_path / "worker.log")
            started.append(worker)
            return worker

    try:
        yield Services()
    finally:
        for process in started:
            process.stop()
        app.conf.task_always_eager = saved["task_always_eager"]
        point_celery_at(saved["broker_url"])
        redis.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect is the answer (3xx as an HTTPError)


OPENER = urllib.request.build_opener(_NoRedirect)


def send(url: str, *, method: str = "GET", body: bytes | None = None, headers=None) -> int:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def send_raw_request_line(port: int, line: str) -> bytes:
    """A request line a client got wrong (a query with spaces, not encoded)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(line.encode() + b"\r\nHost: 127.0.0.1\r\n\r\n")
        return connection.recv(200)


def exercise(server: Server, token: str) -> list[tuple[str, int]]:
    """Requests with the markers everywhere; returns (what, status) for the assertions."""
    query = urllib.parse.urlencode({"q": NAME, "phone": PHONE, "name_my": NAME_MY})
    marked = {
        "Referer": f"http://127.0.0.1/people/?{query}",
        "User-Agent": f"script of {NAME}",
        "X-Request-ID": PHONE,
        "X-Person": NAME,
    }
    auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    search_body = json.dumps({"q": NAME, "status": "active"}).encode()
    # The same person on both servers: the second is a possible duplicate of the first (409
    # without the confirmation, issue 21).
    person = json.dumps(
        {
            "full_name": NAME, "name_my": NAME_MY, "phone": PHONE,
            "location": site("MAE-SOT").pk, "confirm_new_person": True,
        }
    ).encode()  # fmt: skip
    api = "/api/v1/people/"
    return [
        ("list with personal filters", send(server.url(f"{api}?{query}"), headers={**auth, **marked})),
        ("anonymous list", send(server.url(f"{api}?{query}"), headers=marked)),
        ("wrong token", send(server.url(f"{api}?{query}"), headers={"Authorization": f"Token {PHONE}"})),
        ("search", send(server.url(f"{api}search/"), method="POST", body=search_body, headers={**auth, **marked})),
        ("anonymous search", send(server.url(f"{api}search/"), method="POST", body=search_body, headers=marked)),
        ("malformed search", send(server.url(f"{api}search/"), method="POST", body=b'{"q": "' + NAME.encode(), headers=auth)),
        ("create", send(server.url(api), method="POST", body=person, headers={**auth, **marked})),
        ("screen search", send(server.url(f"/people/?{query}"), headers=marked)),
        ("unknown path", send(server.url(f"/nowhere/?{query}"), headers=marked)),
    ]  # fmt: skip


def assert_clean(log: Path) -> str:
    text = log.read_text(errors="replace")
    lowered = text.lower()
    found = [marker for marker in MARKERS if marker.lower() in lowered]
    assert not found, f"{found} in {log.name}:\n{text[-4000:]}"
    return text


EXPECTED = {
    "list with personal filters": 400,
    "anonymous list": 401,
    "wrong token": 401,
    "search": 200,
    "anonymous search": 401,
    "malformed search": 400,
    "create": 201,
}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_web_and_worker_logs_hold_no_personal_data(services, tmp_path):
    admin = make_user(Role.ADMIN, [site("MAE-SOT")])
    _, token = AuthToken.objects.create(admin)

    # gunicorn, exactly as the Procfile starts it (the port and the number of workers are
    # the variables the line reads), in production mode.
    web = procfile_command("Procfile", "web")
    assert "%(U)s" in web and "%(r)s" not in web
    production = {
        "DEBUG": "False", "DEVTOOLS": "False", "SECRET_KEY": "a-test-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "False",
    }  # fmt: skip
    # As at a release: the static files collected (the error pages name them).
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR, env={**services.env, **production}, check=True, timeout=300,
    )  # fmt: skip
    gunicorn = services.web(
        web, GUNICORN_PORT, "gunicorn.log",
        PORT=str(GUNICORN_PORT), WEB_CONCURRENCY="1", **production,
    )  # fmt: skip
    # The development server, as Procfile.dev starts it, on this test's port.
    dev = procfile_command("Procfile.dev", "web")
    assert "127.0.0.1:8000" in dev
    runserver = services.web(
        dev.replace("127.0.0.1:8000", f"127.0.0.1:{RUNSERVER_PORT}"),
        RUNSERVER_PORT, "runserver.log", DEBUG="True",
    )  # fmt: skip

    for server in (gunicorn, runserver):
        statuses = dict(exercise(server, token))
        for what, status in EXPECTED.items():
            assert statuses[what] == status, (server.log.name, what, statuses)
        assert statuses["screen search"] == 302  # to the sign-in page
        assert statuses["unknown path"] == 404
        answer = send_raw_request_line(server.port, f"GET /api/v1/people/?q={NAME} HTTP/1.1")
        assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0]

    # Two people were created through the API (one per server), found by the search.
    assert Person.objects.filter(phone_hash__gt="", full_name=NAME).count() == 2

    # A background import with the markers in its rows and its file name, and one that
    # fails (its upload unreadable); both queued before the worker starts. The imported line
    # has the Burmese name of the people created above: imported as new by decision.
    data = marked_csv()
    done = import_jobs.request_import(
        user=admin, data=data, file_name=f"{NAME} {PHONE}.csv", dry_run=False,
        decisions={2: "new"}, decided_for=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip
    failed = import_jobs.request_import(
        user=admin, data=marked_csv(), file_name=f"{NAME} {PHONE}.csv", dry_run=False
    )
    import_jobs.upload_path(failed.pk).write_bytes(f"{NAME} {PHONE}".encode())
    worker = services.worker()
    for job in (done, failed):
        wait_for(lambda job=job: finished(job), "the imports to finish")
    assert ImportJob.objects.get(pk=done.pk).status == "done"
    assert ImportJob.objects.get(pk=failed.pk).status == "failed"
    assert Person.objects.filter(full_name=f"{NAME} Imported").count() == 1

    for server in (gunicorn, runserver):
        server.stop()
    worker.stop()

    gunicorn_log = assert_clean(gunicorn.log)
    runserver_log = assert_clean(runserver.log)
    worker_log = assert_clean(worker.log)
    # The logs were written (the scan read something): request lines with their paths...
    assert re.search(r'"GET /api/v1/people/ HTTP/1\.[01]" 400 ', gunicorn_log), gunicorn_log
    assert re.search(r'"POST /api/v1/people/search/ HTTP/1\.[01]" 200 ', gunicorn_log)
    assert re.search(r'"GET /api/v1/people/ HTTP/1\.[01]" 400 ', runserver_log), runserver_log
    assert '"POST /api/v1/people/search/ HTTP/1.1" 200' in runserver_log
    # ...the refused request lines (gunicorn's error log, the development server's)...
    assert "Invalid request from ip=127.0.0.1" in gunicorn_log
    assert "Bad request" in runserver_log
    # ...and the worker's tasks.
    assert "people.tasks.run_import" in worker_log and "succeeded" in worker_log
    assert "JobFailed" in worker_log


def marked_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    values = {**GOOD, "full_name": f"{NAME} Imported", "name_my": NAME_MY, "notes": PHONE}
    writer.writerow([values[column] for column in COLUMNS])
    return out.getvalue().encode()


def finished(job) -> bool:
    return ImportJob.objects.filter(pk=job.pk, status__in=["done", "failed"]).exists()


# --- The filter itself (no processes) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        ('"GET /api/v1/people/?q=Aung%20Kyaw HTTP/1.1" 400 91', '"GET /api/v1/people/ HTTP/1.1" 400 91'),
        ("code 400, message Bad request syntax ('GET /?q=Aung Kyaw Zaw HTTP/1.1')", "code 400, message Bad request syntax"),
        ("code 400, message Bad request version ('Zarni')", "code 400, message Bad request version"),
        ("Invalid request from ip=::1: Invalid HTTP Version: 'Zarni HTTP/1.1'", "Invalid request from ip=::1: Invalid HTTP Version"),
        ("Invalid request from ip=::1: Invalid HTTP request line: 'GET /a b'", "Invalid request from ip=::1: Invalid HTTP request line"),
        ("Error handling request /people/?q=Aung", "Error handling request /people/"),
        ('"GET /healthz HTTP/1.1" 200 50', '"GET /healthz HTTP/1.1" 200 50'),
    ],
)  # fmt: skip
def test_request_lines_lose_their_query_string_and_quoted_client_text(line, logged):
    assert without_client_text(line) == logged


def test_the_procfiles_start_what_the_test_above_runs():
    # Without the services the test above skips; the command lines it reads are checked here.
    web = procfile_command("Procfile", "web")
    argv = shlex.split(web)
    assert argv[0] == "gunicorn" and "--access-logfile" in argv
    access_format = argv[argv.index("--access-logformat") + 1]
    assert "%(U)s" in access_format
    assert not {"%(r)s", "%(q)s", "%(f)s", "%(a)s", "%(u)s"} & set(
        re.findall(r"%\([^)]*\)s", access_format)
    )
    assert argv[argv.index("--logger-class") + 1] == "portal.gunicorn_logging.GunicornLogger"
    assert "runserver" in procfile_command("Procfile.dev", "web")
