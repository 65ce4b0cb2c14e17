"""Reports API (read-only): the stored statistics, as JSON.

Admins and analysts, as on the dashboard; other roles are refused (403). Admins get the
figures exactly as stored; analysts get them as published, through the disclosure layer
(`reports.selectors.shown_data`, `reports.disclosure`: cell-key perturbation). Nobody gets the
cell keys. A report that has not been built answers 404.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from portal.api.serializers import ErrorSerializer
from portal.api.views import ListMixin, PortalViewSet
from portal.roles import Role
from reports import selectors, services
from reports.api import filters, serializers
from reports.models import Report
from reports.periods import parse

MONTH = r"\d{4}-(?:0[1-9]|1[0-2])"
YEAR = r"\d{4}"

REPORT_JSON = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "The report as stored (`kind`, `period`, `start`, `end` and one object per section). "
        "Analysts get the published figures (cell-key method: counts 1–4 published as 0, "
        "others within ±2, derived figures from the published counts, figures without a key "
        "null). The `ETag` is the SHA-256 of this JSON."
    ),
)
NOT_BUILT = OpenApiResponse(
    ErrorSerializer, description="No such period, or its report has not been built yet."
)


def _period(pattern: str, example: str) -> OpenApiParameter:
    return OpenApiParameter(
        "period", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=f"^{pattern}$",
        description=f"e.g. {example}",
    )  # fmt: skip


class ReportNotBuilt(NotFound):
    default_detail = _("This report has not been built yet.")


class ReportViewSet(ListMixin, PortalViewSet):
    """Stored reports: the list (without figures), and each report's JSON at
    `/reports/monthly/YYYY-MM/`, `/reports/annual/YYYY/` and `/reports/since_1027/`."""

    queryset = Report.objects.all()
    role_serializers = {
        Role.ADMIN: serializers.ReportSerializer,
        Role.ANALYST: serializers.ReportSerializer,
    }
    write_roles = frozenset(role_serializers)  # no write action: 405 (read-only)
    filterset_class = filters.ReportFilter
    ordering_fields = ("generated_at", "period", "id")
    ordering = ["-generated_at", "-id"]

    def get_queryset(self):
        reports = super().get_queryset()
        if self.action == "list" and self.request.user.role == Role.ADMIN:
            return reports.defer("data")  # the stored checksum is that of what admins get
        return reports

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for report in page if page is not None else []:
            report.served_checksum = self._served_checksum(report)
        return page

    def _served_checksum(self, report: Report) -> str:
        if self.request.user.role == Role.ADMIN:
            return report.checksum
        # Never the stored checksum: with it, the true counts could be found by trying the
        # few possible values of each.
        return services.checksum(selectors.shown_data(self.request.user, report)[0])

    def _report(self, kind: str, key: str = "") -> Response:
        try:
            period = parse(kind, key)
        except ValueError as error:  # PeriodError, or a year the calendar has not (0000)
            raise NotFound() from error
        report = self.get_queryset().filter(kind=kind, period=period.key).first()
        if report is None:
            raise ReportNotBuilt()
        data, _suppressed = selectors.shown_data(self.request.user, report)
        return Response(data, headers={"ETag": f'"{services.checksum(data)}"'})

    @extend_schema(
        parameters=[_period(MONTH, "2025-08")],
        responses={200: REPORT_JSON, 404: NOT_BUILT},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=rf"monthly/(?P<period>{MONTH})",
        filter_backends=[],
        pagination_class=None,
    )
    def monthly(self, request, period: str, *args, **kwargs):
        """A monthly report, e.g. `/reports/monthly/2025-08/`."""
        return self._report(Report.Kind.MONTHLY, period)

    @extend_schema(
        parameters=[_period(YEAR, "2025")],
        responses={200: REPORT_JSON, 404: NOT_BUILT},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=rf"annual/(?P<period>{YEAR})",
        filter_backends=[],
        pagination_class=None,
    )
    def annual(self, request, period: str, *args, **kwargs):
        """An annual report, e.g. `/reports/annual/2025/`."""
        return self._report(Report.Kind.ANNUAL, period)

    @extend_schema(responses={200: REPORT_JSON, 404: NOT_BUILT})
    @action(
        detail=False,
        methods=["get"],
        url_path="since_1027",
        url_name="since-1027",
        filter_backends=[],
        pagination_class=None,
    )
    def since_1027(self, request, *args, **kwargs):
        """The cumulative report since 27 October 2023 (to the end of the last full month)."""
        return self._report(Report.Kind.SINCE_1027)
