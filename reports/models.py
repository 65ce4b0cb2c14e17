from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models.jobs import BackgroundJob, JobStatus
from portal.roles import Role
from portal.scopes import Scope


class Report(models.Model):
    """One (kind, period) of statistics. Its figures are kept in versions (`ReportVersion`):
    a build that changes them adds a version, which reaches analysts and publication only
    once an admin has approved it."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        ANNUAL = "annual", _("Annual")
        SINCE_1027 = "since_1027", _("Since 27 October 2023")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=12)
    # When the figures were last computed (a build that found them unchanged included).
    generated_at = models.DateTimeField(_("last built at"), default=timezone.now)

    # Aggregates only: admins and analysts. Analysts reach released versions only
    # (`reports.selectors`).
    scope = Scope(site_roles=frozenset(), open_to_roles=frozenset({Role.ANALYST}))

    class Meta:
        ordering = ["-generated_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period"], name="unique_report_period")
        ]
        verbose_name = _("report")

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"


class ReportVersion(models.Model):
    """The figures of one build of a report, kept as computed (the whole dict: sections added
    later and the disclosure layer's own keys included)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Released")
        SUPERSEDED = "superseded", _("Replaced before approval")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("data"))
    checksum = models.CharField(_("checksum"), max_length=64)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    scope = Scope(site_roles=frozenset(), open_to_roles=frozenset({Role.ANALYST}))

    # Set by `reports.services.build_report` on the version it returns: whether this build
    # made it (False: the figures were unchanged). Not stored.
    created = False

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="unique_report_version"),
            # At most one version awaits approval: a newer build replaces it.
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(status="pending"),
                name="one_pending_version_per_report",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="approved_version_has_a_date",
            ),
        ]
        verbose_name = _("report version")

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number} ({self.status})"

    @property
    def is_released(self) -> bool:
        return self.status == self.Status.APPROVED


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
    # The version the build ended with, and whether it made it (False: figures unchanged).
    version = models.ForeignKey(
        ReportVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    made_version = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"build {self.kind} {self.period} ({self.status})"
