"""The fault tests' harness: a private Redis, real Celery workers as subprocesses on the test
database, and bounded waits.

Nothing here touches the machine's shared Redis or PostgreSQL server: each test gets its
own redis-server on a free port in 6400-6499 (no persistence), and the workers connect to
the test database pytest-django created. The tests need PostgreSQL (the worker and the test
process share the database) and redis-server on PATH; otherwise they skip, and with
REQUIRE_SERVICES=1 they fail instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import pools

from config.celery import app
from tests.private_redis import REDIS_SERVER, PrivateRedis

CELERY = str(Path(sys.executable).with_name("celery"))
BASE_DIR = Path(settings.BASE_DIR)
# Every wait is bounded by this.
DEADLINE = 60.0
POLL = 0.02


@pytest.fixture(autouse=True)
def _needs_redis_server():
    if REDIS_SERVER is None:
        message = "needs redis-server on PATH (apt-get install redis-server)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}, and REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip(message)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(POLL)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def point_celery_at(url: str) -> None:
    """The test process's Celery app sends to `url` from now on (its pools forgotten)."""
    app.conf.broker_url = url
    app.conf.broker_transport_options = {}
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's pools of connections and producers, per broker


@pytest.fixture
def redis_server(settings, tmp_path) -> Iterator[PrivateRedis]:
    """A private Redis, with the test process's Celery app and cache pointed at it, and its
    VAR_DIR in the test's temporary folder (the workers share it)."""
    server = PrivateRedis()
    saved = {
        "broker_url": app.conf.broker_url,
        "broker_transport_options": app.conf.broker_transport_options,
        "task_always_eager": app.conf.task_always_eager,
    }
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    saved_caches = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
        }
    }
    app.conf.task_always_eager = False
    point_celery_at(server.url)
    try:
        yield server
    finally:
        cache.close()
        settings.CACHES = saved_caches  # the other fixtures' teardown clears this cache
        for name, value in saved.items():
            setattr(app.conf, name, value)
        point_celery_at(saved["broker_url"])
        server.stop()


def database_url() -> str:
    """The test database pytest-django created, as a DATABASE_URL for the worker."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", "the fault tests need PostgreSQL"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """One `celery worker` subprocess (solo pool) on the private Redis and the test database."""

    def __init__(self, redis_url: str, var_dir: Path, mail_dir: Path, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "VAR_DIR": str(var_dir),
            "DEBUG": "True",
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            # One file per e-mail sent: the test counts what the worker sent.
            "EMAIL_URL": f"filemail:///{mail_dir}",  # four slashes: an absolute path
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "PYTHONUNBUFFERED": "1",
        }
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed program and arguments
            [CELERY, "-A", "config", "worker", "--pool=solo", "--concurrency=1"]
            + ["-Q", app.conf.task_default_queue, "--loglevel=INFO"]
            + ["--without-heartbeat", "--without-mingle", "--without-gossip"]
            + ["--hostname", f"fault-{log.stem}@%h"],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._ready, f"the worker to start (log: {log})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{self.log.read_text()[-3000:]}")
        return b" ready." in self.log.read_bytes()

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, as when a machine dies."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._log_file.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log_file.close()


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def workers(transactional_db, redis_server, settings, mail_dir, tmp_path):
    """`workers.start()` starts a worker; all are stopped (killed) when the test ends, before
    the test database is emptied."""
    started: list[Worker] = []

    class Workers:
        def start(self) -> Worker:
            log = tmp_path / f"worker-{len(started) + 1}.log"
            worker = Worker(redis_server.url, settings.VAR_DIR, mail_dir, log)
            started.append(worker)
            return worker

        @property
        def logs(self) -> str:
            return "\n".join(w.log.read_text() for w in started if w.log.exists())

    yield Workers()
    for worker in started:
        worker.kill()


@pytest.fixture
def table_lock(transactional_db):
    """`table_lock(table)`: hold an exclusive lock on a table from another connection, so
    that a worker's query on it waits (a step that takes long, made deterministic); the lock
    is released by `release()` or when the test ends."""
    held: list[psycopg.Connection] = []

    class Lock:
        def __call__(self, table: str) -> psycopg.Connection:
            db = connection.settings_dict
            conn = psycopg.connect(
                dbname=db["NAME"],
                user=db["USER"],
                password=db["PASSWORD"] or None,
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
            )
            conn.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            held.append(conn)
            return conn

        def release(self) -> None:
            while held:
                conn = held.pop()
                conn.rollback()
                conn.close()

    lock = Lock()
    yield lock
    lock.release()
