"""Report tasks. Idempotent (one stored report per period), queued after commit; lost or
stopped builds are found again by the core's job sweeper (`portal.jobs.sweep`)."""

from celery import shared_task
from django.db import OperationalError

from portal.models.jobs import JobStatus
from portal.timezones import reporting_today
from reports import builds, services
from reports.models import Report, ReportBuild
from reports.periods import previous_month

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}
BUDGET = int(builds.BuildRunner.time_budget.total_seconds())


@shared_task(**RETRY, soft_time_limit=BUDGET, time_limit=BUDGET + 60)
def run_build(build_id: str) -> None:
    """Run one build request; a second delivery of the same message does nothing."""
    builds.BuildRunner.handle(build_id)


@shared_task(**RETRY)
def build_scheduled(kind: str) -> None:
    """Beat entry point: the previous month's report, last year's, or the cumulative one."""
    today = reporting_today()
    key = {
        "monthly": previous_month(today),
        "annual": str(today.year - 1),
        "since_1027": "since_1027",
    }[kind]
    services.request_build(kind, key, scheduled=True)


@shared_task(**RETRY)
def recover_lost_builds() -> int:
    """Every few minutes: request expected reports that are missing altogether (lost or
    stopped builds are the job sweeper's, `portal.tasks.sweep_jobs`)."""
    requested = 0
    pending = set(
        ReportBuild.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).values_list(
            "kind", "period"
        )
    )
    for kind, key in services.expected_reports():
        if not Report.objects.filter(kind=kind, period=key).exists() and (kind, key) not in pending:
            services.request_build(kind, key, scheduled=True)
            requested += 1
    return requested
