"""`portal.replica` without servers: which alias a long read gets, and what it logs. The
reads really reaching a streaming replica are shown by tests/scale/test_replica.py."""

import logging

import pytest
from django.db import DEFAULT_DB_ALIAS

from people.models import Person
from portal import replica


@pytest.fixture
def configured(monkeypatch):
    """A replica configured, `lag` standing for what it answers (None: unreachable)."""
    state = {"lag": 0.0}
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "replica_lag", lambda: state["lag"])
    return state


def test_without_a_replica_reads_stay_on_the_primary_without_a_query(db, django_assert_num_queries):
    with django_assert_num_queries(0), replica.reading_from_replica("export") as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert replica.ReplicaRouter().db_for_read(Person) == DEFAULT_DB_ALIAS


def test_a_current_replica_gets_the_reads_of_the_block_only(configured):
    router = replica.ReplicaRouter()
    with replica.reading_from_replica("report build") as alias:
        assert alias == replica.REPLICA
        assert router.db_for_read(Person) == replica.REPLICA
        assert router.db_for_write(Person) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS


@pytest.mark.parametrize(
    ("lag", "line"),
    [
        (31.0, "replica 31.0 s behind (limit 30.0 s): dashboard reads from the primary"),
        (float("inf"), "replica inf s behind (limit 30.0 s): dashboard reads from the primary"),
        (None, "replica unreachable: dashboard reads from the primary"),
    ],
)
def test_a_lagging_or_missing_replica_is_passed_over_with_a_log_line(
    configured, settings, caplog, lag, line
):
    settings.REPLICA_MAX_LAG_SECONDS = 30.0
    configured["lag"] = lag
    with caplog.at_level(logging.WARNING, logger="portal.replica"):
        with replica.reading_from_replica("dashboard") as alias:
            assert alias == DEFAULT_DB_ALIAS
            assert replica.ReplicaRouter().db_for_read(Person) == DEFAULT_DB_ALIAS
    assert [record.getMessage() for record in caplog.records] == [line]


def test_a_replica_at_the_limit_is_still_used(configured, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 30.0
    configured["lag"] = 30.0
    with replica.reading_from_replica("export") as alias:
        assert alias == replica.REPLICA
