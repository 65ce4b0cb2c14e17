"""People tasks: imports run in the background (see `people.import_jobs`)."""

from celery import shared_task
from django.db import OperationalError

from people import import_jobs


# Retried only when the database fails before the job is claimed: once the task has read
# the file, it is deleted, and a failure marks the job failed instead.
@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=3
)
def run_import(job_id: str) -> None:
    """Run an uploaded people import, all or nothing, recording its progress on the job."""
    import_jobs.run(job_id)
