"""Build reports into versions, approve versions, queue rebuilds.

A build that changes a report's figures adds a version awaiting approval (replacing an
earlier one that still awaited it); a build with the figures of the newest version, or of
the released one, adds nothing. Only approved versions reach analysts and publication."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import auditing, jobs, replica
from portal.models import User
from portal.timezones import reporting_today
from reports import compute, disclosure
from reports.models import Report, ReportBuild, ReportVersion
from reports.periods import Period, parse, previous_month

Status = ReportVersion.Status


class ApprovalRefused(Exception):
    """The version cannot be approved (it is outdated or not awaiting approval); the message
    says why, in words for the admin."""


def checksum(data: dict) -> str:
    """SHA-256 of a report's figures, never of its cell keys (which never leave the portal)."""
    figures = disclosure.without_keys(data)
    return hashlib.sha256(json.dumps(figures, sort_keys=True, default=str).encode()).hexdigest()


def build_report(period: Period, on_step=None) -> ReportVersion:
    """Compute the report and keep it as a new version when its figures changed. Returns the
    version the report now ends with; its `created` says whether this build made it.

    Safe when two workers build the same period at once: the report row is locked while the
    versions are compared, so the second finds the first's version and adds none."""
    # The figures may be read a few seconds old: from the replica when there is one.
    with replica.reading_from_replica("report build"):
        data = compute.compute(period, on_step=on_step)
    digest = checksum(data)
    with transaction.atomic():
        Report.objects.get_or_create(kind=period.kind, period=period.key)
        report = Report.objects.select_for_update().get(kind=period.kind, period=period.key)
        report.generated_at = timezone.now()
        report.save(update_fields=["generated_at"])
        versions = report.versions.defer("data")
        newest = versions.order_by("-number").first()
        released = versions.filter(status=Status.APPROVED).order_by("-number").first()
        if _same(newest, digest, data):
            return newest
        if _same(released, digest, data):
            # The figures went back to those released: nothing awaits approval any more.
            versions.filter(status=Status.PENDING).update(status=Status.SUPERSEDED)
            return released
        versions.filter(status=Status.PENDING).update(status=Status.SUPERSEDED)
        version = ReportVersion.objects.create(
            report=report,
            number=newest.number + 1 if newest else 1,
            data=data,
            checksum=digest,
            status=Status.PENDING,
        )
        version.created = True
        return version


def _same(version: ReportVersion | None, digest: str, data: dict) -> bool:
    """Whether a build has the same figures AND the same cell keys as a stored version.

    The comparison includes the keys on purpose: two builds with the same exact figures but
    different people behind them (a late registration and a removal in one cell) have
    different cell keys, so they publish different values. Published values must never
    change without a new version awaiting approval, so such a build makes one. (A report
    stored before the keys existed differs from its first build with keys in the same way,
    which is how a rebuild gives analysts figures again.) `checksum` itself stays blind to
    the keys: it is served to admins as the ETag and must reveal nothing of them."""
    if version is None or version.checksum != digest:
        return False
    stored = ReportVersion.objects.filter(pk=version.pk).values_list("data", flat=True).get()
    # Through JSON, as stored: tuples become lists, keys become strings.
    fresh = json.loads(json.dumps(data.get(disclosure.CELL_KEYS), default=str))
    return stored.get(disclosure.CELL_KEYS) == fresh


@transaction.atomic
def approve(version_id: int, *, by: User) -> ReportVersion:
    """Release a version: it becomes what analysts and publication downloads get. Only the
    newest version, and only while it awaits approval; audited."""
    version = ReportVersion.objects.defer("data").filter(pk=version_id).first()
    if version is None:
        raise ReportVersion.DoesNotExist
    # The report's row first, as a build does: a build and an approval never cross.
    Report.objects.select_for_update().get(pk=version.report_id)
    version = ReportVersion.objects.defer("data").select_related("report").get(pk=version_id)
    if version.status != Status.PENDING:
        raise ApprovalRefused(
            _("Version %(number)s cannot be approved: it is not awaiting approval (%(status)s).")
            % {"number": version.number, "status": version.get_status_display().lower()}
        )
    newest = version.report.versions.order_by("-number").values_list("number", flat=True)[0]
    if newest != version.number:
        raise ApprovalRefused(
            _("Version %(number)s is outdated: version %(newest)s is newer. Review that one.")
            % {"number": version.number, "newest": newest}
        )
    version.status = Status.APPROVED
    version.approved_by = by
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approved_by", "approved_at"])
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=version,
        # The period names the report ("2025-08" monthly, "2025" annual, "since_1027").
        changes={
            "period": [None, version.report.period],
            "version": [None, version.number],
            "status": [Status.PENDING.value, Status.APPROVED.value],
        },
    )
    return version


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
    today = today or reporting_today()
    return [
        ("monthly", previous_month(today)),
        ("annual", str(today.year - 1)),
        ("since_1027", "since_1027"),
    ]
