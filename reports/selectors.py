from django.db.models import QuerySet

from portal.models import User
from portal.roles import Role
from portal.scoping import get_object_for_user, visible_to
from reports import disclosure
from reports.compute import AFFILIATIONS, AGE_BANDS, EXIT_TYPES, RECRUIT_STATUSES, VERIFICATION
from reports.models import Report, ReportBuild

DISPLAY_ORDER = [
    "kind", "period", "start", "end", "exits", "by_month", "recruits", "by_site",
    "by_sex_and_age", "verification", "training", "assistance", "safe_homes",
    *EXIT_TYPES, *AFFILIATIONS, *RECRUIT_STATUSES, *AGE_BANDS, *VERIFICATION,
    "male", "female", "other",
]  # fmt: skip


def reports_for(user: User) -> QuerySet[Report]:
    return visible_to(user, Report.objects.all()).defer("data")


def report_for(user: User, kind: str, period: str) -> Report:
    return get_object_for_user(user, Report.objects.all(), kind=kind, period=period)


def in_display_order(value):
    """A report's data with its keys in reading order. PostgreSQL's jsonb stores object keys
    in its own order (shortest first), so the order of the computed dicts is restored here:
    known categories in their listed order, others alphabetically, totals last."""
    if not isinstance(value, dict):
        return value
    return {key: in_display_order(value[key]) for key in sorted(value, key=_display_rank)}


def _display_rank(key: str) -> tuple[int, int, str]:
    if key == "total":
        return (2, 0, "")
    if key in DISPLAY_ORDER:
        return (0, DISPLAY_ORDER.index(key), "")
    return (1, 0, str(key))


def shown_data(user: User, report: Report, publication: bool = False) -> tuple[dict, bool]:
    """The figures a user may see, never with the cell keys: exact for admins inside the
    portal; through the disclosure layer (`reports.disclosure.protect`: perturbed, derived
    from perturbed counts, or withheld) for analysts and for anything marked for publication.
    Returns (data, protected)."""
    data = in_display_order(disclosure.without_keys(report.data))
    if user.role == Role.ADMIN and not publication:
        return data, False
    return in_display_order(disclosure.protect(report.data)), True


def build_for(user: User, pk: int) -> ReportBuild:
    return get_object_for_user(user, ReportBuild.objects.all(), pk=pk)
