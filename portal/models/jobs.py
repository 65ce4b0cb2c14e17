"""The fields every background job shares (imports, exports, report builds); the runner that
moves them between states is `portal.jobs`."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FailureReason(models.TextChoices):
    """Why a job failed, in words a user can read: never the exception's text, which may
    quote a file's cells or a person's name."""

    ERROR = "error", _("The job stopped on an unexpected error.")
    WORKER_LOST = "worker_lost", _("The background worker stopped twice; try again.")
    TOO_LONG = "too_long", _("The job took longer than it is allowed to; try again with less data.")
    UNAVAILABLE = "unavailable", _("The database was unavailable several times; try again.")
    UNREADABLE = "unreadable", _("The uploaded file could not be read; upload it again.")


class BackgroundJob(models.Model):
    """Abstract: the state of one background job, claimed and moved by `portal.jobs`."""

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    # When the broker last accepted the job's message; empty while it never did (the page
    # then says the job waits for the worker, and the sweeper sends it again).
    queued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # claims so far
    started_at = models.DateTimeField(null=True, blank=True)  # of the current attempt
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=FailureReason.choices, blank=True)
    error = models.CharField(max_length=300, blank=True)  # the kind of failure, for operators

    class Meta:
        abstract = True

    @property
    def in_progress(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def waiting_for_worker(self) -> bool:
        """Queued, and the broker never took the message (it was unreachable)."""
        return self.status == JobStatus.QUEUED and self.queued_at is None

    @property
    def state_note(self) -> str:
        """What the status alone does not say: waiting for an unreachable worker, a retry,
        the attempt running. Empty when there is nothing to add."""
        if self.waiting_for_worker:
            return _(
                "Waiting for the background worker; it will start when the worker is reachable."
            )
        if self.retrying:
            return _("Retrying after the background worker stopped (attempt %(attempt)s).") % {
                "attempt": self.attempts + 1
            }
        if self.status == JobStatus.RUNNING and self.attempts > 1:
            return _("Running (attempt %(attempt)s).") % {"attempt": self.attempts}
        return ""

    @property
    def retrying(self) -> bool:
        """Queued again after an attempt that did not finish (a stopped worker, a database
        error)."""
        return self.status == JobStatus.QUEUED and self.attempts > 0
