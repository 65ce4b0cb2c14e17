from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.utils import timezone

from portal.models import Invitation


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5
)
def clear_expired_sessions_and_invitations() -> dict[str, int]:
    """Daily: remove sessions past their expiry and revoke invitations past their 72 hours."""
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    invitations = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lt=now
    ).update(revoked_at=now)
    return {"sessions": sessions, "invitations": invitations}
