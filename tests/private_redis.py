"""A throw-away redis-server for tests that must lose Redis (fault and outage tests).

Each one runs on a free port in 6400-6499 with no persistence and is stopped by the test:
the machine's shared Redis is never touched.
"""

from __future__ import annotations

import shutil
import socket
import subprocess

import redis

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    for port in range(6400, 6500):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 6400-6499")


class PrivateRedis:
    """A throw-away redis-server on a free port: no persistence, stopped at the end."""

    def __init__(self, port: int | None = None) -> None:
        """On `port` (one a stopped PrivateRedis had: Redis back after an outage), or on a
        free one."""
        self.port = port or free_port()
        self.process = subprocess.Popen(  # noqa: S603 - fixed program and arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Its log says when it listens: read it instead of polling with sleeps.
        for line in self.process.stdout:
            if "Ready to accept connections" in line:
                break
        else:
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def flushall(self) -> None:
        """Lose every message: FLUSHALL on this private Redis only."""
        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            assert client.flushall()
        finally:
            client.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process.stdout.close()
