"""Reading the audit log: the admins' filter, and the audit export (`portal.exports`)."""

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

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
    # Days in UTC, as the list shows the times ("When (UTC)").
    since = django_filters.DateFilter(
        label=_("From (UTC)"), method="filter_since",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    until = django_filters.DateFilter(
        label=_("Until (UTC)"), method="filter_until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip

    class Meta:
        model = AuditEvent
        fields = ["actor", "action"]

    def filter_since(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=datetime.combine(value, time.min, tzinfo=UTC))

    def filter_until(self, queryset, name, value):
        next_day = datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)
        return queryset.filter(occurred_at__lt=next_day)

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


# The file's first column is the event's instant in UTC, and its name says so.
HEADER = ["occurred_at_utc", *COLUMNS[1:]]


def _in_utc(rows: Iterator[tuple]) -> Iterator[tuple]:
    for occurred_at, *rest in rows:
        yield (occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), *rest)


def audit_table(user: User, params: dict) -> Table:
    query = QueryDict(mutable=True)
    query.update(params)
    audit_filter = events_for(user, query)
    events = audit_filter.qs if audit_filter.is_valid() else audit_filter.queryset.none()
    events = events.order_by("occurred_at", "id")
    return Table(
        header=HEADER,
        total=events.count(),
        rows=_in_utc(events.values_list(*COLUMNS).iterator(chunk_size=2000)),
    )
