"""Reads of reports for screens, the API and downloads. Admins see every version of a
report; everyone else (analysts) only released (approved) versions."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from portal.models import User
from portal.models.jobs import JobStatus
from portal.roles import Role
from portal.scoping import get_object_for_user, visible_to
from reports import disclosure
from reports.compute import AFFILIATIONS, AGE_BANDS, EXIT_TYPES, RECRUIT_STATUSES, VERIFICATION
from reports.models import Report, ReportBuild, ReportVersion

RELEASED = ReportVersion.Status.APPROVED

DISPLAY_ORDER = [
    "kind", "period", "start", "end", "exits", "by_month", "recruits", "by_site",
    "by_sex_and_age", "verification", "training", "assistance", "safe_homes",
    *EXIT_TYPES, *AFFILIATIONS, *RECRUIT_STATUSES, *AGE_BANDS, *VERIFICATION,
    "male", "female", "other",
]  # fmt: skip


def versions_for(user: User) -> QuerySet[ReportVersion]:
    """The versions a user may see, without their figures: all for admins, released ones
    for everyone else."""
    versions = visible_to(user, ReportVersion.objects.all())
    if user.role != Role.ADMIN:
        versions = versions.filter(status=RELEASED)
    return versions.select_related("report", "approved_by").defer("data")


def reports_for(user: User, released_figures: bool = False) -> QuerySet[Report]:
    """Reports a user may open, each with `released_list` (its released versions, newest
    first; with their figures when `released_figures`) and, for admins, `pending_list` (the
    version awaiting approval, if any)."""
    reports = visible_to(user, Report.objects.all())
    if user.role != Role.ADMIN:
        reports = reports.filter(
            Exists(ReportVersion.objects.filter(report=OuterRef("pk"), status=RELEASED))
        )
    versions = ReportVersion.objects.defer("data").order_by("-number")
    released = ReportVersion.objects.filter(status=RELEASED).order_by("-number")
    if not released_figures:
        released = released.defer("data")
    prefetches = [Prefetch("versions", released, to_attr="released_list")]
    if user.role == Role.ADMIN:
        prefetches.append(
            Prefetch(
                "versions",
                versions.filter(status=ReportVersion.Status.PENDING),
                to_attr="pending_list",
            )
        )
    return reports.prefetch_related(*prefetches)


def releases(user: User, kind: str, period: str) -> QuerySet[ReportVersion]:
    """A period's released versions, newest first: the first is what readers get."""
    return (
        visible_to(user, ReportVersion.objects.all())
        .filter(report__kind=kind, report__period=period, status=RELEASED)
        .select_related("report", "approved_by")
        .order_by("-number")
    )


def released_version(user: User, kind: str, period: str) -> ReportVersion | None:
    """The version readers get for a period: its newest released one (None: none yet)."""
    return releases(user, kind, period).first()


def previous_release(user: User, version: ReportVersion) -> ReportVersion | None:
    """The release before this version (what a change note compares with)."""
    return (
        visible_to(user, ReportVersion.objects.all())
        .filter(report_id=version.report_id, status=RELEASED, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def version_for(user: User, kind: str, period: str, number: int) -> ReportVersion:
    """One version (404 outside what the user may see: unreleased ones for analysts)."""
    versions = visible_to(user, ReportVersion.objects.select_related("report", "approved_by"))
    if user.role != Role.ADMIN:
        versions = versions.filter(status=RELEASED)
    return get_object_for_user(
        user, versions, report__kind=kind, report__period=period, number=number
    )


def report_for(user: User, kind: str, period: str) -> Report:
    return get_object_for_user(user, Report.objects.all(), kind=kind, period=period)


def pending_versions(user: User) -> QuerySet[ReportVersion]:
    """Versions awaiting approval (admins: the index's list); none for other roles."""
    if user.role != Role.ADMIN:
        return ReportVersion.objects.none()
    return versions_for(user).filter(status=ReportVersion.Status.PENDING).order_by("-generated_at")


def failed_builds(user: User) -> QuerySet[ReportBuild]:
    """Builds that failed and were not followed by another build of the same report: why a
    report could not be built (admins; no rows for other roles)."""
    builds = visible_to(user, ReportBuild.objects.all())
    later = ReportBuild.objects.filter(
        kind=OuterRef("kind"), period=OuterRef("period"), created_at__gt=OuterRef("created_at")
    )
    return builds.filter(status=JobStatus.FAILED).exclude(Exists(later)).order_by("-created_at")


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


def shown_data(user: User, report: ReportVersion, publication: bool = False) -> tuple[dict, bool]:
    """The figures of a version a user may see, never with the cell keys: exact for admins
    inside the portal; through the disclosure layer (`reports.disclosure.protect`: perturbed,
    derived from perturbed counts, or withheld) for analysts and for anything marked for
    publication. Returns (data, protected). The one call through which figures reach a
    template, a download, a change note shown to analysts or the API."""
    data = in_display_order(disclosure.without_keys(report.data))
    if user.role == Role.ADMIN and not publication:
        return data, False
    return in_display_order(disclosure.protect(report.data)), True


def build_for(user: User, pk: int) -> ReportBuild:
    return get_object_for_user(user, ReportBuild.objects.all(), pk=pk)
