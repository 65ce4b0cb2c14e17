import threading
from datetime import date, timedelta

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app
from portal import jobs
from reports import builds, services, tasks
from reports.models import Report, ReportBuild, ReportVersion
from reports.periods import parse
from tests.reports.conftest import late_registration


def test_beat_schedule_is_created_by_migration(db):
    schedule = {
        t.task + t.args: t for t in PeriodicTask.objects.filter(task__startswith="reports.")
    }
    monthly = schedule['reports.tasks.build_scheduled["monthly"]']
    assert (monthly.crontab.minute, monthly.crontab.hour, monthly.crontab.day_of_month) == (
        "0",
        "2",
        "1",
    )
    assert str(monthly.crontab.timezone) == "Asia/Yangon"
    annual = schedule['reports.tasks.build_scheduled["annual"]']
    assert (annual.crontab.day_of_month, annual.crontab.month_of_year) == ("1", "1")
    assert 'reports.tasks.build_scheduled["since_1027"]' in schedule
    assert "reports.tasks.recover_lost_builds[]" in schedule
    assert all(task.expire_seconds for task in schedule.values())


def test_scheduled_monthly_build_stores_the_previous_month_and_mails_admins(
    admin_user, august_report, mae_sot, django_capture_on_commit_callbacks
):
    late_registration(mae_sot)
    mail.outbox.clear()
    with time_machine.travel(date(2025, 9, 1)), django_capture_on_commit_callbacks(execute=True):
        tasks.build_scheduled("monthly")
    build = ReportBuild.objects.get()
    assert (build.kind, build.period, build.status, build.scheduled) == (
        "monthly",
        "2025-08",
        "done",
        True,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin_user.email]
    assert "awaits your approval" in message.subject + message.body
    link = "http://127.0.0.1:8000/reports/monthly/2025-08/versions/2/"
    assert link in message.body
    # A link, never figures: the report's counts (12 soldiers, 16 in all) are not in it.
    body_without_link = message.body.replace(link, "")
    assert not any(figure in body_without_link for figure in ("12", "15", "16"))


def test_a_scheduled_build_with_unchanged_figures_makes_no_version_and_sends_nothing(
    admin_user, august_report, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with time_machine.travel(date(2025, 9, 1)), django_capture_on_commit_callbacks(execute=True):
        tasks.build_scheduled("monthly")
    build = ReportBuild.objects.get()
    assert (build.status, build.made_version, build.version_id) == ("done", False, august_report.pk)
    assert ReportVersion.objects.count() == 1
    assert mail.outbox == []


def test_missing_expected_reports_are_requested(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "expected_reports", lambda today=None: [("annual", "2024")])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.recover_lost_builds()  # eager in tests: the build runs after the commit
    assert Report.objects.filter(kind="annual", period="2024").exists()
    tasks.recover_lost_builds()
    assert ReportBuild.objects.filter(kind="annual", period="2024").count() == 1  # not again


def test_a_second_delivery_of_the_same_build_does_nothing(db):
    build = ReportBuild.objects.create(kind="annual", period="2024", status="done")
    tasks.run_build(build.pk)
    assert not Report.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_rebuilds_leave_one_report():
    period = parse("annual", "2025")
    errors = []

    def build():
        try:
            services.build_report(period)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Report.objects.filter(kind="annual", period="2025").count() == 1
    # The report row is locked while versions are compared: the same figures, one version.
    assert ReportVersion.objects.filter(report__period="2025").count() == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_on_redis_builds_a_report():
    app.conf.task_always_eager = False
    build = ReportBuild.objects.create(kind="annual", period="2024")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        tasks.run_build.delay(build.pk).get(timeout=60)
    build.refresh_from_db()
    assert build.status == "done"
    assert Report.objects.filter(kind="annual", period="2024").exists()


def test_a_scheduled_build_swept_after_its_worker_stopped_mails_admins_once(
    admin_user, august_report, mae_sot, django_capture_on_commit_callbacks
):
    late_registration(mae_sot)
    mail.outbox.clear()
    build = ReportBuild.objects.create(kind="monthly", period="2025-08", scheduled=True)
    builds.BuildRunner.claim(build.pk)  # a worker claims it, then is killed
    later = timezone.now() + timedelta(minutes=11)

    with time_machine.travel(later, tick=False):
        jobs.sweep()  # queued again and sent: the eager worker builds it now
        tasks.run_build(str(build.pk))  # the killed worker's message, delivered again
        jobs.sweep()

    build.refresh_from_db()
    assert (build.status, build.attempts) == ("done", 2)
    assert len(mail.outbox) == 1


def test_missing_expected_reports_are_not_requested_while_one_is_pending(db, monkeypatch):
    monkeypatch.setattr(services, "expected_reports", lambda today=None: [("annual", "2024")])
    ReportBuild.objects.create(kind="annual", period="2024", status="running")

    assert tasks.recover_lost_builds() == 0
