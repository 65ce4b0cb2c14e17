"""`make run`'s first minute: the address and the demo users come after the process banners,
and Ctrl-C stops everything with exit status 0 (scripts/foreground.py)."""

import os
import pty
import select
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from devtools.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]
FOREGROUND = str(ROOT / "scripts" / "foreground.py")


def test_procfile_announces_the_portal_after_starting_the_processes():
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile.dev").read_text().splitlines() if line
    )
    assert "manage.py announce_ready" in processes["ready"]
    # The Celery banners (~60 lines) would otherwise bury the announcement.
    assert "--quiet" in processes["worker"] and "--quiet" in processes["beat"]
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/foreground.py $(BIN)/honcho start -f Procfile.dev" in makefile


@pytest.fixture
def web_server():
    """A local server answering every GET with 302, as the portal's / does (no database:
    pytest-django's live_server would flush the migrated rows of later tests)."""

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            self.send_response(302)
            self.send_header("Location", "/accounts/login/")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_announce_ready_prints_the_address_and_the_demo_users(web_server):
    for email, full_name, role, _sites in DEMO_USERS:
        make_user(role, email=email, full_name=full_name)
    out = StringIO()
    call_command("announce_ready", url=web_server, exit=True, timeout=10, stdout=out)
    text = out.getvalue()
    assert f"The portal is ready at {web_server}" in text
    assert DEMO_PASSWORD in text
    assert all(email in text for email, *_ in DEMO_USERS)
    assert "Ctrl-C" in text


@pytest.mark.django_db
def test_announce_ready_says_when_the_web_server_does_not_answer():
    out = StringIO()
    call_command("announce_ready", url="http://127.0.0.1:9/", exit=True, timeout=0.5, stdout=out)
    assert "did not answer" in out.getvalue()


def run_in_terminal(command: list[str], keys: bytes = b"", wait: float = 1.0) -> int:
    """Run `command` under a pseudo-terminal (as a user's shell would), type `keys` after
    `wait` seconds, and return its exit status."""
    pid, master = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty
        os.execv(sys.executable, [sys.executable, *command])  # noqa: S606 - our own script
    output = b""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:  # keep the pty drained while the command starts
        if select.select([master], [], [], 0.1)[0]:
            try:
                output += os.read(master, 1024)
            except OSError:
                break
    if keys:
        os.write(master, keys)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            os.close(master)
            return os.waitstatus_to_exitcode(status)
        if select.select([master], [], [], 0.1)[0]:
            try:
                output += os.read(master, 1024)
            except OSError:  # the terminal's other side is closed: the command is ending
                time.sleep(0.05)
    os.kill(pid, 9)
    raise AssertionError(f"the command did not stop: {output.decode(errors='replace')}")


def test_ctrl_c_stops_the_command_with_status_zero():
    sleeper = [sys.executable, "-c", "import signal; signal.pause()"]
    assert run_in_terminal([FOREGROUND, *sleeper], keys=b"\x03") == 0


def test_a_failing_command_keeps_its_status_in_a_terminal():
    assert run_in_terminal([FOREGROUND, sys.executable, "-c", "raise SystemExit(3)"]) == 3


def test_without_a_terminal_the_command_runs_as_it_is():
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, FOREGROUND, sys.executable, "-c", "raise SystemExit(4)"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        start_new_session=True,  # no controlling terminal
        timeout=30,
    )
    assert done.returncode == 4
