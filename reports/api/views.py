"""Reports API: the released statistics as JSON; versions and their approval.

Admins and analysts, as on the dashboard; other roles are refused (403). A report's URL
(`/reports/monthly/2025-08/`) serves its released (approved) version: admins get its figures
exactly, analysts protected (`reports.selectors.shown_data`). A period without a released
version answers 404. Versions (`/report-versions/`): admins list every version and approve
the one awaiting approval (`POST /report-versions/{id}/approve/`: 409 when it is outdated);
analysts see released versions only, as published (`reports.disclosure`: cell-key
perturbation). Nobody gets the cell keys.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from portal.api.serializers import ErrorSerializer
from portal.api.views import ListMixin, PortalViewSet, RetrieveMixin
from portal.roles import ADMINS, Role
from reports import selectors, services
from reports.api import filters, serializers
from reports.models import Report, ReportVersion
from reports.periods import parse

MONTH = r"\d{4}-(?:0[1-9]|1[0-2])"
YEAR = r"\d{4}"

REPORT_JSON = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "The released version's figures (`kind`, `period`, `start`, `end` and one object per "
        "section). Admins get them exactly (without the cell keys); analysts get the published "
        "figures (cell-key method: counts 1–4 published as 0, others within ±2, derived figures "
        "from the published counts, figures without a key null). The `ETag` is the SHA-256 of "
        "this JSON; the `X-Report-Version` header names the version."
    ),
)
NOT_BUILT = OpenApiResponse(
    ErrorSerializer, description="No such period, or no version of it has been released yet."
)


def _period(pattern: str, example: str) -> OpenApiParameter:
    return OpenApiParameter(
        "period", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=f"^{pattern}$",
        description=f"e.g. {example}",
    )  # fmt: skip


class ReportNotReleased(NotFound):
    default_detail = _("No version of this report has been released yet.")


class ApprovalConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This version cannot be approved.")
    default_code = "conflict"


class ReportViewSet(ListMixin, PortalViewSet):
    """Reports: the list (without figures), and each report's released figures at
    `/reports/monthly/YYYY-MM/`, `/reports/annual/YYYY/` and `/reports/since_1027/`."""

    queryset = Report.objects.none()
    role_serializers = {
        Role.ADMIN: serializers.AdminReportSerializer,
        Role.ANALYST: serializers.ReportSerializer,
    }
    write_roles = frozenset(role_serializers)  # no write action: 405 (read-only)
    filterset_class = filters.ReportFilter
    ordering_fields = ("generated_at", "period", "id")
    ordering = ["-generated_at", "-id"]

    def get_base_queryset(self):
        # Analysts' checksums are of the protected figures: their released figures are read.
        return selectors.reports_for(
            self.request.user, released_figures=self.request.user.role != Role.ADMIN
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for report in page if page is not None else []:
            report.released = report.released_list[0] if report.released_list else None
            pending = getattr(report, "pending_list", [])
            report.pending = pending[0] if pending else None
            report.served_checksum = self._served_checksum(report.released)
        return page

    def _served_checksum(self, version: ReportVersion | None) -> str | None:
        if version is None:
            return None
        if self.request.user.role == Role.ADMIN:
            return version.checksum
        # Never the stored checksum: with it, the true counts could be found by trying the
        # few possible values of each.
        return services.checksum(selectors.shown_data(self.request.user, version)[0])

    def _report(self, kind: str, key: str = "") -> Response:
        try:
            period = parse(kind, key)
        except ValueError as error:  # PeriodError, or a year the calendar has not (0000)
            raise NotFound() from error
        version = selectors.released_version(self.request.user, kind, period.key)
        if version is None:
            raise ReportNotReleased()
        data, _suppressed = selectors.shown_data(self.request.user, version)
        return Response(
            data,
            headers={"ETag": f'"{services.checksum(data)}"', "X-Report-Version": version.number},
        )

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


class VersionViewSet(ListMixin, RetrieveMixin, PortalViewSet):
    """Versions of reports: admins see every version (awaiting approval, released, replaced
    before approval), analysts the released ones. `GET /report-versions/{id}/data/` gives a
    version's figures (exact for admins, protected for analysts);
    `POST /report-versions/{id}/approve/` releases the version awaiting approval (admins)."""

    queryset = ReportVersion.objects.none()
    role_serializers = {
        Role.ADMIN: serializers.AdminVersionSerializer,
        Role.ANALYST: serializers.VersionSerializer,
    }
    write_roles = ADMINS
    action_roles = {"approve": ADMINS}
    filterset_class = filters.VersionFilter
    ordering_fields = ("generated_at", "number", "id")
    ordering = ["-generated_at", "-id"]

    def get_base_queryset(self):
        return selectors.versions_for(self.request.user)

    @extend_schema(responses={200: REPORT_JSON, 404: ErrorSerializer})
    @action(
        detail=True,
        methods=["get"],
        url_path="data",
        url_name="data",
        filter_backends=[],
        pagination_class=None,
    )
    def figures(self, request, *args, **kwargs):
        """The figures of one version, as the report's URL serves them."""
        version = self.get_object()
        data, _suppressed = selectors.shown_data(request.user, version)
        return Response(data, headers={"ETag": f'"{services.checksum(data)}"'})

    @extend_schema(
        request=None,
        responses={
            200: serializers.AdminVersionSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="Outdated: a newer version exists, or it is not awaiting approval.",
            ),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request, *args, **kwargs):
        """Release this version: analysts and publication downloads get it from now on."""
        version = self.get_object()
        try:
            services.approve(version.pk, by=request.user)
        except services.ApprovalRefused as refusal:
            raise ApprovalConflict(str(refusal)) from refusal
        return self.object_response(self.get_queryset().get(pk=version.pk))
