"""Periodic tasks of the programs app (scheduled in django-celery-beat by migration 0003)."""

from celery import shared_task
from django.db import OperationalError

from programs.models import IdempotentRequest


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5
)
def forget_idempotency_keys() -> int:
    """Daily: delete the stored answers of idempotent requests older than 30 days. A phone
    that sends a save again after that would have it applied again (attendance upserts, so
    the same marks change nothing). Returns the number of keys forgotten."""
    deleted, _ = IdempotentRequest.expired().delete()
    return deleted
