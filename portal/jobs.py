"""One runner for every background job: people imports, exports and report builds.

Shaped after NetBox's `JobRunner` (`netbox/netbox/jobs.py`): a subclass says what the work is
(`work`), what to clean up when an attempt stops (`clean_up_partial`), what to do once the
job is done (`on_done`) and once it is finished for good (`on_final`); the runner owns the
states (docs/jobs.md):

- claim: one conditional UPDATE queued → running (attempts + 1, heartbeat now), so that a
  message delivered twice, or while the job runs, does nothing;
- heartbeat: every write of progress, and `beat()` (throttled) between them; a job whose
  heartbeat stopped is found by the sweeper;
- time budget: checked at each heartbeat, and Celery's soft time limit on the task;
- retry: only on named transient errors, with backoff, while attempts remain;
- one failure path (a reason the user can read, the operator's error kind, partial files
  removed) and one success path, each a conditional UPDATE of the attempt that runs, so an
  attempt the sweeper took back can never finish a job twice.

The core imports no app: each app registers its job model, runner and task in its
`AppConfig.ready` (`register`), and the sweeper walks the registry.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from portal.models.jobs import BackgroundJob, FailureReason, JobStatus

logger = logging.getLogger(__name__)

# Sending a message fails with these when the broker cannot be reached: the job stays
# queued and the sweeper sends it again.
SEND_ERRORS = (BrokerOperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError)
# A queued job whose message is older than this is sent again (the claim makes it safe).
RESEND_AFTER = timedelta(minutes=2)
# At most one heartbeat write in this time from `beat()`.
HEARTBEAT_EVERY = timedelta(seconds=10)


class JobFailed(Exception):
    """A job failed. The message names the kind of error and the line it came from, never
    the error's own message (which may quote a file or a name)."""


class TimeBudgetExceeded(Exception):
    """The job ran longer than its runner's `time_budget`."""


class JobTakenAway(Exception):
    """This attempt no longer owns the job: the sweeper gave it to another attempt (or
    failed it) because its heartbeat had stopped. The attempt stops without writing."""


def describe_failure(error: BaseException) -> str:
    """The kind of error and where it was raised, e.g. 'ValueError at importing.py:120 in
    _save': enough to find the bug, without the message."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    frame = frames[-1]
    return f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno} in {frame.name}"


class JobRunner:
    """Runs one attempt of one job. Subclasses set `model` and implement `work`."""

    model: ClassVar[type[BackgroundJob]]
    time_budget: ClassVar[timedelta] = timedelta(minutes=25)
    # A running job whose heartbeat is older than this lost its worker.
    stale_after: ClassVar[timedelta] = timedelta(minutes=5)
    max_attempts: ClassVar[int] = 2
    transient_errors: ClassVar[tuple[type[BaseException], ...]] = (OperationalError,)
    retry_backoff: ClassVar[timedelta] = timedelta(seconds=30)

    def __init__(self, job: BackgroundJob) -> None:
        self.job = job
        self.attempt = job.attempts
        self._last_beat = job.heartbeat_at or timezone.now()

    # --- What a subclass says ----------------------------------------------------------

    def work(self) -> None:
        raise NotImplementedError

    def clean_up_partial(self) -> None:
        """Remove what an attempt that did not finish left behind (a partial file)."""

    def on_done(self) -> None:
        """Once, on the transition to done."""

    def on_final(self) -> None:
        """Once the job is done or has failed for good (e.g. delete the upload)."""

    def failure_reason(self, error: BaseException) -> str:
        return FailureReason.ERROR

    @classmethod
    def load(cls, job_id: Any) -> BackgroundJob | None:
        return cls.model.objects.filter(pk=job_id).first()

    # --- Running -----------------------------------------------------------------------

    @classmethod
    def claim(cls, job_id: Any) -> BackgroundJob | None:
        """The job, now running for this attempt, or None when it is gone or another
        delivery claimed it first."""
        now = timezone.now()
        claimed = cls.model.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
            reason="",
            error="",
        )
        return cls.load(job_id) if claimed else None

    @classmethod
    def handle(cls, job_id: Any) -> None:
        """Claim the job and run one attempt (called by the task). Returns quietly when the
        job is gone or already claimed; raises `JobFailed` after the failure path."""
        job = cls.claim(job_id)
        if job is None:
            return
        runner = cls(job)
        try:
            runner.work()
        except JobTakenAway:
            logger.warning("%s %s: taken back by the sweeper; attempt stopped", cls.kind(), job.pk)
        except cls.transient_errors as error:
            runner.retry_or_fail(error)
        except (SoftTimeLimitExceeded, TimeBudgetExceeded) as error:
            runner.fail(FailureReason.TOO_LONG, describe_failure(error))
            raise JobFailed(describe_failure(error)) from None
        except Exception as error:
            failure = describe_failure(error)
            runner.fail(runner.failure_reason(error), failure)
            raise JobFailed(failure) from None

    def _mine(self):
        """This attempt's row: still running, and not taken back by the sweeper."""
        return self.model.objects.filter(
            pk=self.job.pk, status=JobStatus.RUNNING, attempts=self.attempt
        )

    def progress(self, **fields: Any) -> None:
        """Record progress, with a heartbeat; stops the attempt when it no longer owns the
        job or has used up its time budget."""
        now = timezone.now()
        self._check_budget(now)
        if not self._mine().update(heartbeat_at=now, **fields):
            raise JobTakenAway
        self._last_beat = now

    def beat(self) -> None:
        """A heartbeat, written at most every `HEARTBEAT_EVERY` (call it as often as work
        moves on)."""
        now = timezone.now()
        if now - self._last_beat >= HEARTBEAT_EVERY:
            self.progress()
        else:
            self._check_budget(now)

    def _check_budget(self, now: datetime) -> None:
        if self.job.started_at and now - self.job.started_at > self.time_budget:
            raise TimeBudgetExceeded

    def finish(self, **fields: Any) -> bool:
        """The success path: done, once. Returns False when the attempt had been taken back
        (another attempt, or the failure path, owns the job)."""
        if not self._mine().update(
            status=JobStatus.DONE, finished_at=timezone.now(), reason="", error="", **fields
        ):
            return False
        self.on_done()
        self.on_final()
        return True

    def fail(self, reason: str, error: str, **fields: Any) -> bool:
        """The failure path: failed for good, with a reason for the user and the error kind
        for operators; partial files are removed."""
        failed = self._mine().update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            reason=reason,
            error=error[:300],
            **fields,
        )
        if failed:
            self.clean_up_partial()
            self.on_final()
        return bool(failed)

    def retry_or_fail(self, error: BaseException) -> None:
        """A transient error: back to queued and sent again after a backoff while attempts
        remain, else failed."""
        if self.attempt >= self.max_attempts:
            self.fail(FailureReason.UNAVAILABLE, describe_failure(error))
            return
        try:
            requeued = self._mine().update(status=JobStatus.QUEUED, heartbeat_at=None)
        except OperationalError:
            # The database is still away: the row stays running, its heartbeat goes stale and
            # the sweeper queues it again.
            logger.warning(
                "%s %s: could not requeue; left to the sweeper", self.kind(), self.job.pk
            )
            return
        if requeued:
            self.clean_up_partial()
            countdown = self.retry_backoff.total_seconds() * 2 ** (self.attempt - 1)
            send(self.kind(), self.job.pk, countdown=countdown)

    @classmethod
    def kind(cls) -> str:
        return cls.model._meta.label_lower


# --- The registry and sending ------------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    runner: type[JobRunner]
    task: Any  # a Celery task taking the job's id as a string


_registry: dict[str, JobKind] = {}


def register(runner: type[JobRunner], task: Any) -> None:
    """Called by each app's `AppConfig.ready`: the core knows a job kind only from here."""
    _registry[runner.kind()] = JobKind(runner, task)


def registered() -> dict[str, JobKind]:
    return dict(_registry)


def send(kind: str, job_id: Any, *, countdown: float | None = None) -> bool:
    """Send the job's message; when the broker is unreachable, leave the job queued for the
    sweeper (and say so in the log, without personal data) instead of raising."""
    job_kind = _registry[kind]
    try:
        job_kind.task.apply_async(args=[str(job_id)], countdown=countdown)
    except SEND_ERRORS as error:
        logger.warning(
            "%s %s: broker unreachable (%s); left queued for the sweeper",
            kind,
            job_id,
            type(error).__name__,
        )
        return False
    job_kind.runner.model.objects.filter(pk=job_id).update(queued_at=timezone.now())
    return True


def send_on_commit(job: BackgroundJob) -> None:
    """Send the job's message once the transaction that created it commits: a job never runs
    for a row that was rolled back, and a broker failure cannot undo the request."""
    kind, job_id = job._meta.label_lower, job.pk
    transaction.on_commit(lambda: send(kind, job_id))


# --- The sweeper -------------------------------------------------------------------------


@dataclass
class SweepResult:
    resent: int = 0  # queued jobs whose message was lost (or never sent)
    requeued: int = 0  # running jobs whose worker stopped, queued again
    failed: int = 0  # running jobs whose worker stopped too often


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Walk every registered job kind: send lost messages again, and queue again (or fail)
    jobs whose heartbeat stopped. Safe to run twice at once: each change is conditional."""
    now = now or timezone.now()
    result = SweepResult()
    for kind, job_kind in _registry.items():
        _sweep_kind(kind, job_kind.runner, now, result)
    return {"resent": result.resent, "requeued": result.requeued, "failed": result.failed}


def _sweep_kind(kind: str, runner: type[JobRunner], now: datetime, result: SweepResult) -> None:
    model = runner.model
    resend_before = now - RESEND_AFTER
    lost = model.objects.filter(status=JobStatus.QUEUED).filter(
        Q(queued_at__lt=resend_before) | Q(queued_at__isnull=True, created_at__lt=resend_before)
    )
    for job_id in lost.values_list("pk", flat=True):
        if not send(kind, job_id):
            break  # the broker is still away: the next sweep tries again, not every job now
        result.resent += 1

    stale = model.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=now - runner.stale_after) | Q(heartbeat_at__isnull=True)
    )
    for job in stale:
        # Conditional on what was read: a job that beat again in between is left alone.
        this_attempt = model.objects.filter(
            pk=job.pk,
            status=JobStatus.RUNNING,
            attempts=job.attempts,
            heartbeat_at=job.heartbeat_at,
        )
        if job.attempts >= runner.max_attempts:
            if this_attempt.update(
                status=JobStatus.FAILED,
                finished_at=now,
                reason=FailureReason.WORKER_LOST,
                error="worker stopped (no heartbeat)",
            ):
                stopped = runner(job)
                stopped.clean_up_partial()
                stopped.on_final()
                result.failed += 1
        elif this_attempt.update(status=JobStatus.QUEUED, heartbeat_at=None):
            runner(job).clean_up_partial()
            send(kind, job.pk)
            result.requeued += 1
