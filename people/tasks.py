"""People tasks: imports run in the background (see `people.import_jobs`); retention of
closed cases (`people.retention`)."""

from celery import shared_task
from django.db import OperationalError
from django.dispatch import receiver

from people import import_jobs, review_queue, services
from people.signals import people_changed

BUDGET = int(import_jobs.ImportRunner.time_budget.total_seconds())


# Retried by Celery only when the database fails before the job is claimed; once claimed,
# the job runner retries (or fails) the job itself.
@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=BUDGET,
    time_limit=BUDGET + 60,
)
def run_import(job_id: str) -> None:
    """Run an uploaded people import, all or nothing, recording its progress on the job."""
    import_jobs.run(job_id)


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=3600,
    time_limit=3660,
)
def anonymise_closed_cases() -> dict[str, int]:
    """Daily: anonymise the closed cases whose retention period is over, one transaction
    per case, audited as system actions. Idempotent: each case is checked again under its
    row lock, so a second run (or a retry) anonymises nothing twice."""
    return services.anonymise_due_cases()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_retention_notice() -> int:
    """Monthly: e-mail the admins the case numbers retention will anonymise next."""
    return services.send_retention_notice()


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5
)
def queue_duplicates(person_ids: list[int]) -> int:
    """Queue the suspected duplicates of these people for the admins' review (every site).
    Idempotent: a pair is queued once; people gone since are skipped."""
    return review_queue.queue_pairs(person_ids)


@receiver(people_changed)
def _queue_for_review(sender, person_ids: list[int], **kwargs) -> None:
    """After the commit of the change (never for one rolled back)."""
    queue_duplicates.delay_on_commit(list(person_ids))
