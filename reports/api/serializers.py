"""Serializers of the reports API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.api.serializers import StrictModelSerializer
from reports.models import Report


class ReportSerializer(StrictModelSerializer):
    """A stored report (its figures: `GET /reports/<kind>/<period>/`). `checksum`: SHA-256 of
    the report JSON as you receive it (for analysts, the published figures)."""

    checksum = serializers.CharField(
        source="served_checksum",
        read_only=True,
        help_text=_("SHA-256 of the report JSON as served to you (keys sorted)."),
    )

    class Meta:
        model = Report
        fields = ["kind", "period", "generated_at", "checksum"]
        read_only_fields = fields
