"""Filters of the reports API."""

import django_filters

from portal.api.filters import StrictFilterSet, TextFilter
from reports.models import Report, ReportVersion


class ReportFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=Report.Kind.choices)

    class Meta:
        model = Report
        fields = ["kind"]


class VersionFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(field_name="report__kind", choices=Report.Kind.choices)
    # No length limit to refuse: a period that no report has (too long included) lists nothing.
    # NUL characters are refused (400), as the schema says.
    period = TextFilter(field_name="report__period")
    status = django_filters.ChoiceFilter(choices=ReportVersion.Status.choices)

    class Meta:
        model = ReportVersion
        fields = ["kind", "period", "status"]
