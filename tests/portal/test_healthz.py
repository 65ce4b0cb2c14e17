import json

from django.db import connection

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


def test_healthz_answers_503_when_the_database_is_down(client, db, monkeypatch):
    monkeypatch.setattr("portal.views.health.database_is_reachable", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "error"


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
