from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models.jobs import BackgroundJob, JobStatus
from portal.roles import Role
from portal.scopes import Scope


class Report(models.Model):
    """Statistics for one (kind, period), computed from the raw records and stored as JSON."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        ANNUAL = "annual", _("Annual")
        SINCE_1027 = "since_1027", _("Since 27 October 2023")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=12)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    data = models.JSONField(_("data"))
    checksum = models.CharField(_("checksum"), max_length=64)

    # Aggregates only: admins and analysts (analysts see small cells suppressed).
    scope = Scope(site_roles=frozenset(), open_to_roles=frozenset({Role.ANALYST}))

    class Meta:
        ordering = ["-generated_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period"], name="unique_report_period")
        ]
        verbose_name = _("report")

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"


class ReportBuild(BackgroundJob):
    """A request to (re)build a report, persisted before the task is queued so that a job lost
    with the broker is found and sent again by the job sweeper (`portal.jobs`)."""

    Status = JobStatus

    kind = models.CharField(max_length=12, choices=Report.Kind.choices)
    period = models.CharField(max_length=12)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheduled = models.BooleanField(default=False)
    step = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"build {self.kind} {self.period} ({self.status})"
