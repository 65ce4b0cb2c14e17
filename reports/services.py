"""Build and store reports; queue rebuilds. Idempotent: a period has one stored report."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import auditing, jobs
from portal.models import User
from reports import compute, disclosure
from reports.models import Report, ReportBuild
from reports.periods import Period, parse, previous_month


def checksum(data: dict) -> str:
    """SHA-256 of a report's figures, never of its cell keys (which never leave the portal)."""
    figures = disclosure.without_keys(data)
    return hashlib.sha256(json.dumps(figures, sort_keys=True, default=str).encode()).hexdigest()


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
    """Persist a build request and send its task after commit."""
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
    jobs.send_on_commit(build)
    return build


def expected_reports(today=None) -> list[tuple[str, str]]:
    """Reports that must exist by now: last month's, last year's and the cumulative one."""
    today = today or timezone.localdate()
    return [
        ("monthly", previous_month(today)),
        ("annual", str(today.year - 1)),
        ("since_1027", "since_1027"),
    ]
