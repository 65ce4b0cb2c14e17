from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.utils import timezone

from portal.models import ExportJob, Invitation
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


@shared_task(
    autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=3
)
def build_export(job_id: str) -> None:
    """Build a requested export file. Claims the job with a conditional update so that two
    workers never build the same one."""
    from portal import exports  # noqa: PLC0415 - task ↔ service pair (exports imports tasks)

    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        exports.build(job)
    except Exception as error:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED,
            error=type(error).__name__[:300],
            finished_at=timezone.now(),
        )
        exports.file_path(job).unlink(missing_ok=True)
        raise


@shared_task
def delete_expired_exports() -> int:
    """Hourly: export files live 24 hours."""
    from portal import exports  # noqa: PLC0415 - task ↔ service pair (exports imports tasks)

    return exports.delete_expired()
