"""Throw-away PostgreSQL servers, PgBouncer and portal processes for the scale tests.

Everything runs on free ports in 55400-55499 with its files under /tmp/scale-*, and is
stopped by the test that started it: the machine's shared PostgreSQL and Redis are only
ever connected to, never configured, restarted or stopped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def require(condition: bool, message: str) -> None:
    """Skip when a tool is missing; under REQUIRE_SERVICES=1 (CI) fail instead."""
    if condition:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message}, and REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(message)


def postgres_bin(name: str) -> str | None:
    """A PostgreSQL server program (Debian keeps them off PATH, by major version)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def free_port(taken: set[int] = frozenset()) -> int:
    for port in range(55400, 55500):
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 55400-55499")


def wait_for_port(port: int, timeout: float = 60.0, process: subprocess.Popen | None = None):
    """Until something listens on the port (a server's start-up), or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for port {port} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def _as_postgres() -> dict:
    """PostgreSQL refuses to run as root: the server programs then run as `postgres`."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def scratch_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"scale-{prefix}-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


class PostgresServer:
    """A private PostgreSQL server: a fresh cluster (`initdb`) or a streaming replica of
    another server (`pg_basebackup -R -X stream`), on its own port and directory."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port

    @classmethod
    def primary(cls) -> PostgresServer:
        root = scratch_dir("primary")
        server = cls(root / "data", free_port())
        subprocess.run(  # noqa: S603 - fixed programs and arguments
            [postgres_bin("initdb"), "-D", str(server.data_dir), "-U", "postgres"]
            + ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
            check=True,
            capture_output=True,
            **_as_postgres(),
        )
        server.start(["-c", "wal_level=replica", "-c", "max_wal_senders=5"])
        return server

    def replica(self) -> PostgresServer:
        root = scratch_dir("replica")
        replica = PostgresServer(root / "data", free_port({self.port}))
        subprocess.run(  # noqa: S603 - fixed programs and arguments
            [postgres_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port)]
            + ["-U", "postgres", "-D", str(replica.data_dir), "-R", "-X", "stream"],
            check=True,
            capture_output=True,
            **_as_postgres(),
        )
        replica.start(["-c", "hot_standby=on"])
        return replica

    def start(self, settings: list[str]) -> None:
        options = [f"-p {self.port}", f"-k {self.data_dir.parent}", "-c listen_addresses=127.0.0.1"]
        options += [" ".join(settings[i : i + 2]) for i in range(0, len(settings), 2)]
        subprocess.run(  # noqa: S603 - fixed programs and arguments
            [postgres_bin("pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "60"]
            + ["-l", str(self.data_dir.parent / "server.log"), "-o", " ".join(options), "start"],
            check=True,
            capture_output=True,
            **_as_postgres(),
        )

    def stop(self) -> None:
        subprocess.run(  # noqa: S603 - fixed programs and arguments
            [postgres_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            capture_output=True,
            **_as_postgres(),
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        result = subprocess.run(  # noqa: S603 - fixed programs and arguments
            [postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
            + ["-d", database, "-tAX", "-v", "ON_ERROR_STOP=1", "-c", statement],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()


def portal_env(**values: str) -> dict[str, str]:
    """The environment of a portal process: this one's, minus its services, plus `values`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "REPLICA_DATABASE_URL", "PYTEST_ADDOPTS"}
        and not key.startswith("PYTEST_")
    }
    env.update({"DEBUG": "True", "DJANGO_SETTINGS_MODULE": "config.settings"})
    env.update(values)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout
