"""Filters of the reports API."""

import django_filters

from portal.api.filters import StrictFilterSet
from reports.models import Report


class ReportFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=Report.Kind.choices)

    class Meta:
        model = Report
        fields = ["kind"]
