"""Report builds on the core's job runner (`portal.jobs`, docs/jobs.md): each computed step
is a heartbeat, and the admins' e-mail for a scheduled monthly report is sent once, on the
transition to done, whatever the number of deliveries or attempts."""

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
from reports.models import Report, ReportBuild
from reports.periods import parse


class BuildRunner(jobs.JobRunner):
    model = ReportBuild
    time_budget = timedelta(minutes=25)
    # One computed step may take a few minutes on a large database.
    stale_after = timedelta(minutes=10)

    report: Report | None = None

    def work(self) -> None:
        self.report = services.build_report(
            parse(self.job.kind, self.job.period), on_step=lambda step: self.progress(step=step)
        )
        self.finish(step="")

    def on_done(self) -> None:
        if self.job.scheduled and self.job.kind == Report.Kind.MONTHLY and self.report:
            notify_admins(self.report)


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
