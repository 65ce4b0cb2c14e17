"""Build and store reports; queue rebuilds. Idempotent: a period has one stored report."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import auditing
from portal.models import User
from reports import compute
from reports.models import Report, ReportBuild
from reports.periods import Period, parse, previous_month


def checksum(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def build_report(period: Period, on_step=None) -> Report:
    """Compute the report and store it, replacing an earlier one for the same period.

    Safe when two workers build the same period at once: both compute, and the unique
    (kind, period) constraint plus update_or_create leave exactly one row, the latest."""
    data = compute.compute(period, on_step=on_step)
    values = {"data": data, "checksum": checksum(data), "generated_at": timezone.now()}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                report, _ = Report.objects.update_or_create(
                    kind=period.kind, period=period.key, defaults=values
                )
                return report
        except IntegrityError:
            continue  # the other worker inserted first: update its row on the second attempt
    raise RuntimeError("Could not store the report")  # pragma: no cover - needs three racers


@transaction.atomic
def request_build(
    kind: str, key: str = "", *, by: User | None = None, scheduled: bool = False
) -> ReportBuild:
    """Persist a build request and queue its task after commit."""
    # Lazy: the task module imports this one (the accepted task ↔ service pair).
    from reports.tasks import run_build  # noqa: PLC0415

    period = parse(kind, key)
    build = ReportBuild.objects.create(
        kind=kind, period=period.key, requested_by=by, scheduled=scheduled
    )
    if by is not None:
        auditing.record(
            auditing.Action.CREATE,
            actor=by,
            obj=build,
            changes={"report": [None, f"{kind} {period.key}"]},
        )
    run_build.delay_on_commit(build.pk)
    return build


def lost_builds(now=None):
    """Builds whose task never ran (queued > 10 min) or died (running > 1 h)."""
    now = now or timezone.now()
    return ReportBuild.objects.filter(
        status=ReportBuild.Status.QUEUED, created_at__lt=now - timedelta(minutes=10)
    ) | ReportBuild.objects.filter(
        status=ReportBuild.Status.RUNNING, started_at__lt=now - timedelta(hours=1)
    )


def expected_reports(today=None) -> list[tuple[str, str]]:
    """Reports that must exist by now: last month's, last year's and the cumulative one."""
    today = today or timezone.localdate()
    return [
        ("monthly", previous_month(today)),
        ("annual", str(today.year - 1)),
        ("since_1027", "since_1027"),
    ]
