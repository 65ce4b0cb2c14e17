"""Keeps programme records consistent when two person records are merged."""

from portal.timezones import site_today
from programs.models import Attendance, Enrolment, Stay


def resolve_merge_conflicts(sender, keep, merge, by, **kwargs) -> dict:
    """Before `merge`'s rows move to `keep`: the same session twice keeps the kept record's
    enrolment and attendance; two open stays close the merged record's stay today."""
    kept_sessions = Enrolment.objects.filter(person=keep).values("session_id")
    duplicate_enrolments, _ = Enrolment.objects.filter(
        person=merge, session_id__in=kept_sessions
    ).delete()
    attended = Attendance.objects.filter(person=keep).values("session_id")
    duplicate_attendance, _ = Attendance.objects.filter(
        person=merge, session_id__in=attended
    ).delete()
    closed = 0
    if Stay.objects.filter(person=keep, check_out__isnull=True).exists():
        closed = Stay.objects.filter(person=merge, check_out__isnull=True).update(
            check_out=site_today(keep.location)
        )
    result = {
        "duplicate_enrolments_dropped": duplicate_enrolments,
        "duplicate_attendance_dropped": duplicate_attendance,
        "open_stays_closed": closed,
    }
    return {key: value for key, value in result.items() if value}
