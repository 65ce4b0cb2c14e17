import copy
import json
import socket

import pytest
from django.db import OperationalError, connection, connections
from django.db.utils import load_backend
from django.urls import reverse

from config.celery import app
from portal.health import broker_is_reachable, database_is_reachable
from portal.models import AuditEvent


def test_healthz_reports_database_and_broker_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_503_when_the_broker_is_down(client, db, monkeypatch):
    monkeypatch.setattr("portal.views.health.broker_is_reachable", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["broker"] == "error"


def closed_port() -> int:
    """A local port nothing listens on (bound once by the system, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def take_the_database_away(db, tmp_path):
    """Calling it points the default alias at a database that refuses connections:
    PostgreSQL on a closed port, or an SQLite file in a folder that does not exist. The
    test's own connection (and its transaction) is left untouched and comes back before the
    `db` fixture rolls the test back."""
    test_connection = connections["default"]

    def take_away() -> None:
        settings_dict = copy.deepcopy(test_connection.settings_dict)
        if test_connection.vendor == "sqlite":
            settings_dict["NAME"] = str(tmp_path / "missing" / "portal.sqlite3")
        else:
            settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
            settings_dict.setdefault("OPTIONS", {})["connect_timeout"] = 2
        backend = load_backend(settings_dict["ENGINE"])
        unreachable = backend.DatabaseWrapper(settings_dict, "default")
        # The failure must be the database's own, not a blocked or mocked access.
        with pytest.raises(OperationalError):
            unreachable.ensure_connection()
        connections["default"] = unreachable

    yield take_away
    connections["default"] = test_connection


def test_healthz_answers_503_json_when_the_database_refuses_connections(
    client, take_the_database_away
):
    take_the_database_away()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "status": "error",
        "database": "error",
        "broker": "ok",
    }


def test_healthz_answers_503_to_a_signed_in_browser_when_the_database_is_down(
    signed_in, admin_user, take_the_database_away
):
    # The session cookie must not make the check read the session from the database.
    client = signed_in(admin_user)
    take_the_database_away()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "error"


def test_a_page_shows_the_error_page_when_the_database_is_down(
    signed_in, case_worker_mae_sot, take_the_database_away
):
    client = signed_in(case_worker_mae_sot)
    client.raise_request_exception = False
    take_the_database_away()
    response = client.get(reverse("people:list"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert case_worker_mae_sot.email not in body
    assert "Traceback" not in body
    assert "OperationalError" not in body


def test_database_check_fails_when_a_query_fails(db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        assert database_is_reachable() is False
    assert database_is_reachable() is True


def test_broker_check_fails_for_an_unreachable_broker(settings):
    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        assert broker_is_reachable(timeout=0.5) is False
    finally:
        app.conf.broker_url = previous


def test_healthz_holds_no_personal_data(client, admin_user):
    before = AuditEvent.objects.count()
    body = client.get("/healthz").content.decode()
    assert admin_user.email not in body
    assert set(json.loads(body)) == {"status", "database", "broker"}
    assert AuditEvent.objects.count() == before
