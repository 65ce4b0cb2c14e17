from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app
from portal.models import Invitation
from portal.tasks import clear_expired_sessions_and_invitations
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    # Housekeeping also deletes old people-import files under VAR_DIR.
    settings.VAR_DIR = tmp_path


def make_expired_data():
    store = SessionStore()
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    live = SessionStore()
    live.create()
    user = UserFactory(is_active=False)
    invitation, _ = Invitation.issue(user, None)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    return store.session_key, live.session_key, invitation


def test_housekeeping_removes_expired_sessions_and_revokes_old_invitations(db):
    expired, live, invitation = make_expired_data()
    result = clear_expired_sessions_and_invitations()
    assert result == {"sessions": 1, "invitations": 1, "import_files": 0}
    assert not Session.objects.filter(session_key=expired).exists()
    assert Session.objects.filter(session_key=live).exists()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_housekeeping_is_on_the_beat_schedule(db):
    task = PeriodicTask.objects.get(task="portal.tasks.clear_expired_sessions_and_invitations")
    assert task.enabled and task.crontab.hour == "3" and task.expire_seconds


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_the_task_over_redis(settings):
    app.conf.task_always_eager = False
    expired, live, _ = make_expired_data()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = clear_expired_sessions_and_invitations.delay().get(timeout=30)
    assert result == {"sessions": 1, "invitations": 1, "import_files": 0}
    assert not Session.objects.filter(session_key=expired).exists()
