import datetime as dt
import os
from zoneinfo import ZoneInfo

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from celery.signals import task_postrun, task_prerun
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.test.client import ClientHandler
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse
from django.utils import translation
from zeal import setup, teardown, zeal_context, zeal_ignore
from zeal.constants import initialize_app_registry
from zeal.patch import patch

from config.celery import app
from portal import crypto
from portal.models import Location, Pledge, PledgeAcceptance
from portal.roles import Role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request in Burmese leaves its language active in the
    thread (LocaleMiddleware does not reset it)."""

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is Django's business; tests only need passwords to check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Tasks queued in a test run in-process (after commit, as in production); the tests that
    need a real worker on Redis switch this off."""

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    # Rate limits live in the cache: each test starts with none.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


_zeal_patched = False


@pytest.fixture(autouse=True)
def _no_n_plus_one_queries(monkeypatch):
    """N+1 queries fail the test (django-zeal, raising `zeal.NPlusOneError`): every request
    made with the test client and every task runs in its own detection context, as zeal's
    middleware would do in the application. The unit of work is the request: the same
    single-object query repeated by a test across requests, or by fixtures creating several
    users, is not an N+1. False positives are silenced where they occur with
    `zeal.zeal_ignore`, with the reason beside it."""
    global _zeal_patched

    if not _zeal_patched:
        # zeal's AppConfig patches Django's related descriptors at start-up; the portal does
        # not install the app (production needs none of it), so the tests patch once here.
        if not apps.is_installed("zeal"):
            initialize_app_registry()
            patch()
        _zeal_patched = True

    # False positives, per view: a fixed number of single-object reads through one line.
    ignored = {
        # The merge screens read the two records of a pair with two `get()`s (two queries
        # whatever the size of the data, not one per row).
        "people:merge": [{"model": "people.Person", "field": "get()"}],
        "people:mark_distinct": [{"model": "people.Person", "field": "get()"}],
    }
    get_response = ClientHandler.get_response

    def get_response_without_n_plus_one(self, request):
        try:
            allowlist = ignored.get(resolve(request.path_info).view_name)
        except Resolver404:
            allowlist = None
        with zeal_context():
            if allowlist:
                with zeal_ignore(allowlist):
                    return get_response(self, request)
            return get_response(self, request)

    monkeypatch.setattr(ClientHandler, "get_response", get_response_without_n_plus_one)
    # False positives, per task.
    ignored_tasks = {
        # An import claims case numbers once per site named in the file: a handful of
        # queries whatever the number of rows.
        "people.tasks.run_import": [{"model": "people.CaseNumberSequence", "field": "get()"}],
    }
    tokens, ignoring = {}, {}

    def task_started(task_id=None, task=None, **kwargs):
        tokens[task_id] = setup()
        allowlist = ignored_tasks.get(getattr(task, "name", ""))
        if allowlist:
            ignoring[task_id] = zeal_ignore(allowlist)
            ignoring[task_id].__enter__()

    def task_finished(task_id=None, **kwargs):
        if task_id in ignoring:
            ignoring.pop(task_id).__exit__(None, None, None)
        teardown(tokens.pop(task_id, None))

    task_prerun.connect(task_started, weak=False)
    task_postrun.connect(task_finished, weak=False)
    yield
    task_prerun.disconnect(task_started)
    task_postrun.disconnect(task_finished)


# The three sites come from a data migration. A transactional test (real worker, threads)
# empties the tables when it ends, so the fixtures recreate a site when it is missing.
SITES = {
    "MAE-SOT": ("MS", "Mae Sot (Tak, Thailand)", "border", "Thailand", "Asia/Bangkok"),
    "MAE-SARIANG": (
        "MSR",
        "Mae Sariang (Mae Hong Son, Thailand)",
        "border",
        "Thailand",
        "Asia/Bangkok",
    ),
    "NEW-DELHI": ("ND", "New Delhi (India)", "new_delhi", "India", "Asia/Kolkata"),
}


# Each site's day starts at its own midnight (Bangkok 17:00 UTC, Yangon 17:30, Kolkata 18:30):
# in between, a site's "today" is not the server's `timezone.localdate()` that most tests
# write and compare dates with. A test that would run in that hour and a half runs on a clock
# moved (ticking) to just after the last of those midnights, when every zone the tests use
# has the same date. Tests of the time zones set their own clock inside it (time_machine
# nests); browser journeys and the tests that start other processes keep the real clock.
TEST_ZONES = {settings.TIME_ZONE, settings.STATISTICS_TIME_ZONE, *(s[-1] for s in SITES.values())}


def one_date_everywhere(now: dt.datetime) -> dt.datetime | None:
    """When every test zone has the same date again, if they differ at `now` (else None)."""
    local = {zone: now.astimezone(ZoneInfo(zone)) for zone in TEST_ZONES}
    dates = {moment.date() for moment in local.values()}
    if len(dates) == 1:
        return None
    behind = min(dates)
    midnights = [
        dt.datetime.combine(behind + dt.timedelta(days=1), dt.time(0, 1), ZoneInfo(zone))
        for zone, moment in local.items()
        if moment.date() == behind
    ]
    return max(midnights)


@pytest.fixture(autouse=True)
def _one_date_in_every_zone(request):
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("scale"):
        yield
        return
    moved_to = one_date_everywhere(dt.datetime.now(dt.UTC))
    if moved_to is None:
        yield
        return
    with time_machine.travel(moved_to, tick=True):
        yield


def site(code: str) -> Location:
    prefix, name, kind, country, time_zone = SITES[code]
    location, _ = Location.objects.get_or_create(
        code=code,
        defaults={
            "case_prefix": prefix,
            "name": name,
            "kind": kind,
            "country": country,
            "time_zone": time_zone,
        },
    )
    return location


@pytest.fixture
def mae_sot(db):
    return site("MAE-SOT")


@pytest.fixture
def new_delhi(db):
    return site("NEW-DELHI")


@pytest.fixture
def mae_sariang(db):
    return site("MAE-SARIANG")


def make_user(role, sites=(), mfa=True, **fields):
    user = UserFactory(role_and_sites__role=role, role_and_sites__sites=list(sites), **fields)
    if mfa:
        activate_totp(user)

    pledge = Pledge.current()
    if pledge:
        PledgeAcceptance.objects.create(user=user, pledge=pledge)
    return user


def activate_totp(user) -> str:
    """Give the user a TOTP authenticator; return the secret for computing codes."""
    secret = pyotp.random_base32()
    TOTP.activate(user, secret)
    return secret


def totp_code(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return pyotp.TOTP(crypto.decrypt(authenticator.data["secret"])).now()


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, email="admin@example.org")


@pytest.fixture
def case_worker_mae_sot(mae_sot):
    return make_user(Role.CASE_WORKER, [mae_sot], email="cw.maesot@example.org")


@pytest.fixture
def case_worker_delhi(new_delhi):
    return make_user(Role.CASE_WORKER, [new_delhi], email="cw.delhi@example.org")


@pytest.fixture
def trainer(mae_sot):
    return make_user(Role.TRAINER, [mae_sot], mfa=False, email="trainer@example.org")


@pytest.fixture
def analyst(db):
    return make_user(Role.ANALYST, mfa=False, email="analyst@example.org")


@pytest.fixture
def signed_in(client):
    """Sign a user in as a browser would after passing MFA: client.force_login is enough
    because the MFA step belongs to the login flow, tested on its own."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


# --- Tests that need PostgreSQL or Redis ------------------------------------------------------
# Marked `@pytest.mark.postgresql` / `@pytest.mark.redis`. On a bare machine they skip; with
# REQUIRE_SERVICES=1 (set by .ci/run) a missing service fails the test instead.


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: needs DATABASE_URL pointing at PostgreSQL")
    config.addinivalue_line("markers", "redis: needs REDIS_URL pointing at Redis")


def pytest_runtest_setup(item):
    missing = []
    if (
        item.get_closest_marker("postgresql")
        and "postgresql" not in settings.DATABASES["default"]["ENGINE"]
    ):
        missing.append("PostgreSQL (DATABASE_URL)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        missing.append("Redis (REDIS_URL)")
    if missing:
        message = f"needs {' and '.join(missing)}"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}, and REQUIRE_SERVICES=1 forbids skipping")
        pytest.skip(message)


def reverse_with(name: str, objects: dict) -> str:
    """Reverse a URL name, taking the values of its parameters from `objects` (access matrices)."""

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            else:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern

    for full_name, pattern in walk(get_resolver().url_patterns):
        if full_name == name:
            params = pattern.pattern.converters.keys()
            return reverse(name, kwargs={key: objects[key] for key in params})
    raise LookupError(name)
