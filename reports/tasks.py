"""Report tasks. Idempotent (one stored report per period), retried on database errors,
queued after commit; lost jobs are found again from the ReportBuild table."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.models import User
from portal.roles import Role
from reports import services
from reports.models import Report, ReportBuild
from reports.periods import parse, previous_month

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def run_build(build_id: int) -> None:
    """Run one build request; a second delivery of the same message does nothing."""
    claimed = ReportBuild.objects.filter(
        pk=build_id, status__in=[ReportBuild.Status.QUEUED, ReportBuild.Status.RUNNING]
    ).update(status=ReportBuild.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    build = ReportBuild.objects.get(pk=build_id)
    ReportBuild.objects.filter(pk=build_id).update(attempts=build.attempts + 1)

    def on_step(step: str) -> None:
        ReportBuild.objects.filter(pk=build_id).update(step=step)

    try:
        report = services.build_report(parse(build.kind, build.period), on_step=on_step)
    except OperationalError:
        ReportBuild.objects.filter(pk=build_id).update(status=ReportBuild.Status.QUEUED)
        raise
    except Exception as error:
        ReportBuild.objects.filter(pk=build_id).update(
            status=ReportBuild.Status.FAILED, error=type(error).__name__, finished_at=timezone.now()
        )
        raise
    ReportBuild.objects.filter(pk=build_id).update(
        status=ReportBuild.Status.DONE, step="", finished_at=timezone.now()
    )
    if build.scheduled and build.kind == Report.Kind.MONTHLY:
        notify_admins(report)


def notify_admins(report: Report) -> None:
    """Tell admins a scheduled report is ready: a link only, no figures, no personal data."""
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return
    link = settings.PORTAL_BASE_URL + reverse(
        "reports:dashboard", args=[report.kind, report.period]
    )
    context = {"report": report, "link": link}
    send_mail(
        subject=render_to_string("reports/email/ready_subject.txt", context).strip(),
        message=render_to_string("reports/email/ready_body.txt", context),
        from_email=None,
        recipient_list=recipients,
    )


@shared_task(**RETRY)
def build_scheduled(kind: str) -> None:
    """Beat entry point: the previous month's report, last year's, or the cumulative one."""
    today = timezone.localdate()
    key = {
        "monthly": previous_month(today),
        "annual": str(today.year - 1),
        "since_1027": "since_1027",
    }[kind]
    services.request_build(kind, key, scheduled=True)


@shared_task(**RETRY)
def recover_lost_builds() -> int:
    """Every few minutes: queue again builds whose message was lost (e.g. Redis restarted
    with nothing persisted), and request expected reports that are missing altogether."""
    requeued = 0
    for build in services.lost_builds():
        ReportBuild.objects.filter(pk=build.pk).update(
            status=ReportBuild.Status.QUEUED, created_at=timezone.now()
        )
        run_build.delay(build.pk)
        requeued += 1
    pending = set(
        ReportBuild.objects.filter(
            status__in=[ReportBuild.Status.QUEUED, ReportBuild.Status.RUNNING]
        ).values_list("kind", "period")
    )
    for kind, key in services.expected_reports():
        if not Report.objects.filter(kind=kind, period=key).exists() and (kind, key) not in pending:
            services.request_build(kind, key, scheduled=True)
            requeued += 1
    return requeued
