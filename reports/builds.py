"""Report builds on the core's job runner (`portal.jobs`, docs/jobs.md): each computed step
is a heartbeat. A scheduled build that made a new version tells the admins that it awaits
their approval: one e-mail, sent on the transition to done, whatever the number of
deliveries or attempts. A build that fails changes nothing: the released version stays."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from portal import jobs
from portal.models import User
from portal.roles import Role
from reports import services
from reports.formatting import period_name
from reports.models import ReportBuild, ReportVersion
from reports.periods import parse


class BuildRunner(jobs.JobRunner):
    model = ReportBuild
    time_budget = timedelta(minutes=25)
    # One computed step may take a few minutes on a large database.
    stale_after = timedelta(minutes=10)

    version: ReportVersion | None = None

    def work(self) -> None:
        self.version = services.build_report(
            parse(self.job.kind, self.job.period), on_step=lambda step: self.progress(step=step)
        )
        self.finish(step="", version=self.version, made_version=self.version.created)

    def on_done(self) -> None:
        if self.job.scheduled and self.version is not None and self.version.created:
            notify_admins(self.version)


def notify_admins(version: ReportVersion) -> None:
    """Tell admins a version awaits their approval: a link only, no figures, no personal
    data."""
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return
    report = version.report
    link = settings.PORTAL_BASE_URL + reverse(
        "reports:version", args=[report.kind, report.period, version.number]
    )
    context = {
        "report": report,
        "version": version,
        "period": period_name(report.kind, report.period),
        "link": link,
    }
    send_mail(
        subject=render_to_string("reports/email/ready_subject.txt", context).strip(),
        message=render_to_string("reports/email/ready_body.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
