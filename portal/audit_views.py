"""The audit log for admins: browse, filter (user, person, action, date) and export."""

import django_filters
from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from portal.access import require_roles
from portal.exports import Table
from portal.models import AuditEvent, User
from portal.pagination import bounded_page
from portal.roles import ADMINS
from portal.scoping import visible_to


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(label=_("User"), queryset=User.objects.all())
    person = django_filters.CharFilter(label=_("Person (case number)"), method="filter_person")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEvent.Action.choices)
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
        from people.models import Person

        person_ids = Person.objects.filter(case_number__iexact=value.strip()).values("pk")
        return queryset.filter(person_id__in=person_ids)


def _events_for(user: User, params) -> AuditFilter:
    events = visible_to(user, AuditEvent.objects.select_related("actor", "site"))
    return AuditFilter(params, queryset=events)


@require_roles(ADMINS)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    audit_filter = _events_for(request.user, request.GET)
    events = audit_filter.qs if audit_filter.is_valid() else audit_filter.queryset.none()
    page = bounded_page(events, 100, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/audit_list.html",
        {"filter": audit_filter, "page": page, "query": query.urlencode()},
    )


COLUMNS = [
    "occurred_at", "actor__email", "action", "object_type", "object_id", "person_id",
    "site__code", "source_ip", "request_id", "path", "changes",
]  # fmt: skip


def audit_table(user: User, params: dict) -> Table:
    query = QueryDict(mutable=True)
    query.update(params)
    audit_filter = _events_for(user, query)
    events = audit_filter.qs if audit_filter.is_valid() else audit_filter.queryset.none()
    events = events.order_by("occurred_at", "id")
    return Table(
        header=COLUMNS,
        total=events.count(),
        rows=events.values_list(*COLUMNS).iterator(chunk_size=2000),
    )
