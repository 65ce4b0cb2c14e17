from django.db.models import QuerySet

from portal.models import User
from portal.roles import Role
from portal.scoping import get_object_for_user, visible_to
from reports import disclosure
from reports.models import Report, ReportBuild


def reports_for(user: User) -> QuerySet[Report]:
    return visible_to(user, Report.objects.all()).defer("data")


def report_for(user: User, kind: str, period: str) -> Report:
    return get_object_for_user(user, Report.objects.all(), kind=kind, period=period)


def shown_data(user: User, report: Report, publication: bool = False) -> tuple[dict, bool]:
    """The figures a user may see: exact for admins, small cells suppressed for analysts and
    for anything marked for publication. Returns (data, suppressed)."""
    if user.role == Role.ADMIN and not publication:
        return report.data, False
    return disclosure.suppress_report(report.data), True


def build_for(user: User, pk: int) -> ReportBuild:
    return get_object_for_user(user, ReportBuild.objects.all(), pk=pk)
