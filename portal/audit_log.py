"""Reading the audit log: the admins' filter, and the audit export (`portal.exports`)."""

import django_filters
from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from portal.exports import Table
from portal.models import AuditEvent, User
from portal.scoping import visible_to


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(
        label=_("User"), queryset=User.objects.all(), empty_label=_("Any user")
    )
    person = django_filters.CharFilter(label=_("Person (case number)"), method="filter_person")
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=AuditEvent.Action.choices, empty_label=_("Any action")
    )
    since = django_filters.DateFilter(
        label=_("From"), field_name="occurred_at", lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    until = django_filters.DateFilter(
        label=_("Until"), field_name="occurred_at", lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip

    class Meta:
        model = AuditEvent
        fields = ["actor", "action"]

    def filter_person(self, queryset, name, value):
        # The core knows no Person model: the people app names its lookup in settings.
        person_ids = import_string(settings.AUDIT_PERSON_LOOKUP)(value.strip())
        return queryset.filter(person_id__in=person_ids)


def events_for(user: User, params) -> AuditFilter:
    events = visible_to(user, AuditEvent.objects.select_related("actor", "site"))
    return AuditFilter(params, queryset=events)


COLUMNS = [
    "occurred_at", "actor__email", "action", "object_type", "object_id", "person_id",
    "site__code", "source_ip", "request_id", "path", "changes",
]  # fmt: skip


def audit_table(user: User, params: dict) -> Table:
    query = QueryDict(mutable=True)
    query.update(params)
    audit_filter = events_for(user, query)
    events = audit_filter.qs if audit_filter.is_valid() else audit_filter.queryset.none()
    events = events.order_by("occurred_at", "id")
    return Table(
        header=COLUMNS,
        total=events.count(),
        rows=events.values_list(*COLUMNS).iterator(chunk_size=2000),
    )
