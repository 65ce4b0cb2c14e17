"""Redis goes away while people are signed in: the cache answers from the database
(`portal.cache.ResilientRedisCache`), pages keep working and sign-in stays rate limited.

Each test starts its own Redis on a free port (6400-6499) and stops it mid-test; the
machine's shared Redis is never touched."""

import socket
from unittest import mock

import pytest
import redis
from django.core.cache import cache, caches
from django.urls import reverse

from portal.cache import FALLBACK_TABLE
from tests.factories import PASSWORD
from tests.people.factories import PersonFactory
from tests.private_redis import REDIS_SERVER, PrivateRedis

needs_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not on PATH (apt-get install redis-server)"
)


def resilient_caches(url: str) -> dict:
    """config.settings' CACHES with REDIS_URL set, pointed at `url`."""
    return {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "portal",
            "FALLBACK": "fallback",
            "RETRY_AFTER": 10,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
        "fallback": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": FALLBACK_TABLE,
            "KEY_PREFIX": "portal",
        },
    }


@pytest.fixture
def redis_server(db, settings):
    """Our own Redis as the portal's cache; `redis_server.stop()` takes it away."""
    server = PrivateRedis()
    previous = settings.CACHES
    settings.CACHES = resilient_caches(server.url)
    yield server
    # Back to the tests' own cache before the database goes (the fallback lives there).
    settings.CACHES = previous
    server.stop()


def person_page(person) -> str:
    return reverse("people:detail", args=[person.pk])


PAGES = [
    ("case_worker_mae_sot", lambda person: reverse("home")),
    ("case_worker_mae_sot", lambda person: reverse("people:list")),
    ("case_worker_mae_sot", person_page),
    ("case_worker_mae_sot", lambda person: reverse("api:person-list")),
    ("analyst", lambda person: reverse("reports:index")),
]


@needs_redis_server
@pytest.mark.parametrize(("user_name", "url_of"), PAGES)
def test_signed_in_pages_answer_after_redis_stops(
    request, redis_server, signed_in, mae_sot, user_name, url_of
):
    client = signed_in(request.getfixturevalue(user_name))
    url = url_of(PersonFactory(location=mae_sot))
    # With Redis up the page fills the cache (pledge version, API throttle)...
    assert client.get(url).status_code == 200
    redis_server.stop()
    # ...and answers from the database cache once Redis is gone.
    assert client.get(url).status_code == 200


@needs_redis_server
def test_sign_in_refuses_the_sixth_wrong_password_with_redis_stopped(client, redis_server, analyst):
    redis_server.stop()
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": analyst.email, "password": "wrong-password"}
        )
        assert response.status_code == 200
    # Even the right password is refused now: the failures were counted in the database.
    response = client.post(reverse("account_login"), {"login": analyst.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@needs_redis_server
def test_the_cache_asks_nothing_of_the_database_while_redis_is_up(
    redis_server, django_assert_num_queries
):
    with django_assert_num_queries(0):
        cache.set("pledge-version", 3)
        assert cache.get("pledge-version") == 3


@needs_redis_server
def test_values_written_while_redis_is_down_are_kept_in_the_database(redis_server):
    redis_server.stop()
    cache.set("pledge-version", 3)
    assert cache.get("pledge-version") == 3
    assert caches["fallback"].get("pledge-version") == 3


@needs_redis_server
def test_every_cache_call_shares_one_redis_client(redis_server):
    cache.set("pledge-version", 3)
    with mock.patch.object(redis.Redis, "__init__", side_effect=AssertionError("new client")):
        for version in range(3, 6):
            assert cache.get("pledge-version") == version
            assert cache.incr("pledge-version") == version + 1


@needs_redis_server
def test_the_shared_client_reaches_redis_again_after_it_restarts(redis_server, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "RETRY_AFTER": 0},
    }
    cache.set("pledge-version", 3)
    redis_server.stop()
    assert cache.get("pledge-version") is None  # the database cache: written while Redis was up
    back = PrivateRedis(port=redis_server.port)
    try:
        cache.set("pledge-version", 4)
        assert cache.get("pledge-version") == 4
        assert caches["fallback"].get("pledge-version") is None  # written to Redis
    finally:
        back.stop()


def test_an_unreachable_redis_reads_as_a_miss(db, settings):
    # A closed port: the connection is refused, no redis-server needed.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.CACHES = resilient_caches(f"redis://127.0.0.1:{closed}/0")
    assert cache.get("never-written", "missing") == "missing"
    # Back to the tests' own cache now: the shared clean-up clears it after the database goes.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
