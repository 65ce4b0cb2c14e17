"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Run with `make e2e` (DJANGO_ALLOW_ASYNC_UNSAFE=true: the sync Playwright API runs an event
loop, and these tests read the database from it). Screenshots of each journey's key steps
are saved under var/e2e/.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started

from config.celery import app
from tests.e2e.helpers import SCREENSHOTS, create_portal_data, user_totp_code
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's default is 30 s; a page of this portal answers in well under a second.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session", autouse=True)
def _allow_database_calls_from_the_event_loop(playwright):
    """The sync Playwright API runs an event loop in this thread; Django refuses database calls
    from a thread with a running loop unless told otherwise. For these tests only.

    Playwright starts first: Django keeps a thread's database connections apart from those
    used while an event loop runs, so the test databases must be set up (and serialized for
    the rollback below) under the loop too, or the tests would see other connection objects.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database of its own, apart from the one `make test` may be using at the same time.

    SQLite: in a file rather than in memory, so that the live server, the test and background
    threads each have their own connection (as web and worker processes do) instead of
    sharing one connection and its transaction."""
    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        test["NAME"] = str(SCREENSHOTS / "test-portal.sqlite3")
    else:
        test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_e2e"


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots():
    """Screenshots and reports of this run only."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in [*SCREENSHOTS.glob("*.png"), *SCREENSHOTS.glob("*.txt")]:
        old.unlink()


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "en-GB",
        "timezone_id": settings.TIME_ZONE,
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
    }


class _RequestsInFlight:
    """Counts the live server's requests between Django's request_started and request_finished,
    and refuses new ones while a test's tables are being emptied.

    A page's scripts may still be fetching (the offline roster page refreshes the trainer's
    sessions after a save) when a test ends, and a request the browser sent just before its
    context closed may still wait in the server's queue. Closing the browser does not stop the
    server's thread: its request goes on in its own transaction while the teardown empties the
    tables, and PostgreSQL may then break the deadlock by cancelling the TRUNCATE (CI saw
    "Database test_portal_e2e couldn't be flushed", and the next test found the last one's
    users). So the teardown closes the door, waits for the requests under way, then empties."""

    def __init__(self) -> None:
        self.count = 0
        self.accepting = True
        self.changed = threading.Condition()

    def started(self, **kwargs) -> None:
        with self.changed:
            if not self.accepting:
                raise RuntimeError("a request reached the live server between two tests")
            self.count += 1

    def finished(self, **kwargs) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def open(self) -> None:
        with self.changed:
            self.count, self.accepting = 0, True

    def close_and_wait(self, timeout: float) -> bool:
        with self.changed:
            self.accepting = False
            return self.changed.wait_for(lambda: self.count <= 0, timeout=timeout)


@pytest.fixture(scope="session")
def _requests_in_flight():
    requests = _RequestsInFlight()
    request_started.connect(requests.started, dispatch_uid="e2e-requests-started")
    request_finished.connect(requests.finished, dispatch_uid="e2e-requests-finished")
    yield requests
    request_started.disconnect(dispatch_uid="e2e-requests-started")
    request_finished.disconnect(dispatch_uid="e2e-requests-finished")


@pytest.fixture(autouse=True)
def _e2e(django_db_serialized_rollback, live_server, settings, _requests_in_flight):
    """Every journey runs against the live server with a transactional database; the rows
    that migrations create (roles, sites, the pledge) are restored for each test.

    Set up before the test's browser context, so torn down after it has closed: the requests
    still running end, and no late one starts, before the tables are emptied."""

    # Tasks queued after commit run in-process instead of going to a broker.
    app.conf.task_always_eager = True
    _requests_in_flight.open()
    yield
    app.conf.task_always_eager = False
    assert _requests_in_flight.close_and_wait(timeout=TIMEOUT_MS / 1000), (
        f"{_requests_in_flight.count} request(s) of the live server still running"
    )


@pytest.fixture(autouse=True)
def _no_n_plus_one_queries():
    """Replaces the N+1 check of tests/conftest.py (django-zeal) here: the pages run in the
    live server's threads, out of its reach, so it would only judge the tests' own set-up
    of data (factories creating several users)."""
    yield


@pytest.fixture
def page(page):
    """Pages whose scripts raise no error and break no rule of the content security policy
    (Chromium reports both on the console); checked at the end of each test."""
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda message: message.type == "error"
        and "favicon.ico" not in (message.location or {}).get("url", "")
        and errors.append(f"{page.url}: {message.text}"),
    )
    yield page
    assert not errors, "errors in the browser:\n" + "\n".join(errors)


@pytest.fixture
def url(live_server):
    def absolute(path: str) -> str:
        return live_server.url + path

    return absolute


@pytest.fixture
def shot(request):
    """shot(page, "step") saves var/e2e/<test>-<nn>-<step>.png."""
    name = re.sub(r"^test_", "", request.node.originalname)
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    counter = iter(range(1, 100))

    def save(page, step: str) -> Path:
        path = SCREENSHOTS / f"{name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return save


@pytest.fixture
def sign_in(url):
    """Sign in through the login form, entering a TOTP code when the user has an
    authenticator; ends on the page the portal sends the user to."""

    def sign_in_as(page, user, password=PASSWORD) -> bool:
        """Returns whether a TOTP code was asked for."""
        page.goto(url("/accounts/login/"))
        page.locator("input[name=login]").fill(user.email)
        page.locator("input[name=password]").fill(password)
        page.locator("main form").locator("button[type=submit]").first.click()
        page.wait_for_load_state()
        if "/accounts/2fa/authenticate/" in page.url:
            page.locator("input[name=code]").fill(user_totp_code(user))
            page.locator("main").locator("button[type=submit]").first.click()
            page.wait_for_url(lambda u: "/accounts/2fa/" not in u)
            return True
        return False

    return sign_in_as


@pytest.fixture
def portal_data(mae_sot):
    return create_portal_data(mae_sot)
