"""Serializers of the reports API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.api.serializers import StrictModelSerializer
from reports.models import Report, ReportVersion


class ReportSerializer(StrictModelSerializer):
    """A report (its figures: `GET /reports/<kind>/<period>/`): the released version, and
    `checksum`, the SHA-256 of the JSON you receive there (for analysts, the published
    figures)."""

    version = serializers.IntegerField(
        source="released.number",
        read_only=True,
        allow_null=True,
        help_text=_("The released version served at the report's URL (null: none yet)."),
    )
    released_at = serializers.DateTimeField(
        source="released.approved_at", read_only=True, allow_null=True
    )
    checksum = serializers.CharField(
        source="served_checksum",
        read_only=True,
        allow_null=True,
        help_text=_("SHA-256 of the released version's JSON as served to you (keys sorted)."),
    )

    class Meta:
        model = Report
        fields = ["kind", "period", "generated_at", "version", "released_at", "checksum"]
        read_only_fields = fields


class AdminReportSerializer(ReportSerializer):
    pending_version = serializers.IntegerField(
        source="pending.number",
        read_only=True,
        allow_null=True,
        help_text=_("The version awaiting approval (null: none)."),
    )

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "pending_version"]
        read_only_fields = fields


class VersionSerializer(StrictModelSerializer):
    """A version of a report, without its figures (`GET /report-versions/{id}/data/`)."""

    kind = serializers.CharField(source="report.kind", read_only=True)
    period = serializers.CharField(source="report.period", read_only=True)

    class Meta:
        model = ReportVersion
        fields = ["id", "kind", "period", "number", "status", "generated_at", "approved_at"]
        read_only_fields = fields


class AdminVersionSerializer(VersionSerializer):
    approved_by = serializers.CharField(
        source="approved_by.full_name", read_only=True, allow_null=True
    )

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "approved_by", "checksum"]
        read_only_fields = fields
