from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.utils import timezone

from portal import audit_integrity, exports, jobs
from portal.models import Invitation
from portal.signals import daily_housekeeping


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5
)
def clear_expired_sessions_and_invitations() -> dict[str, int]:
    """Daily: remove sessions past their expiry, revoke invitations past their 72 hours, and
    let each app clean up (`daily_housekeeping`; e.g. people-import files left over)."""
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    invitations = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lt=now
    ).update(revoked_at=now)
    counts = {"sessions": sessions, "invitations": invitations}
    for _receiver, app_counts in daily_housekeeping.send(sender=None, now=now):
        counts.update(app_counts)
    return counts


# Retried by Celery only when the database fails before the job is claimed; once claimed,
# the job runner retries (or fails) the job itself.
@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=25 * 60,
    time_limit=26 * 60,
)
def build_export(job_id: str) -> None:
    """Build a requested export file (one attempt; see `portal.exports.ExportRunner`)."""
    exports.ExportRunner.handle(job_id)


@shared_task
def sweep_jobs() -> dict[str, int]:
    """Every minute: send again the messages of jobs still queued, and queue again (or fail)
    jobs whose worker stopped, for every registered kind of job (`portal.jobs.sweep`)."""
    return jobs.sweep()


@shared_task
def delete_expired_exports() -> int:
    """Hourly: export files live 24 hours."""
    return exports.delete_expired()


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=2 * 3600,
    time_limit=2 * 3600 + 60,
)
def verify_audit_chain() -> dict[str, object]:
    """Daily: verify the audit log's hash chain, store the result for the audit screen and
    e-mail the chain's head to the admins (ids, a hash and counts; no personal data).
    Idempotent: running it twice stores two results and sends the same head twice."""
    check = audit_integrity.check_chain()
    recipients = audit_integrity.notify_admins(check)
    return {
        "ok": check.ok,
        "rows": check.rows,
        "broken_row_id": check.broken_row_id,
        "recipients": recipients,
    }
