"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Run with `make e2e` (DJANGO_ALLOW_ASYNC_UNSAFE=true: the sync Playwright API runs an event
loop, and these tests read the database from it). Screenshots of each journey's key steps
are saved under var/e2e/.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

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


@pytest.fixture(autouse=True)
def _e2e(django_db_serialized_rollback, live_server, settings):
    """Every journey runs against the live server with a transactional database; the rows
    that migrations create (roles, sites, the pledge) are restored for each test."""

    # Tasks queued after commit run in-process instead of going to a broker.
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


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
