"""People tasks: imports run in the background (see `people.import_jobs`)."""

from celery import shared_task
from django.db import OperationalError

from people import import_jobs

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
