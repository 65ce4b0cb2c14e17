"""Filters of the people list (shared by the screen, the export and the API)."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from people import choices
from people.models import Exit, Person
from people.selectors import search_people_and_references
from portal.filtersets import QuickFilterSet
from portal.models import Location
from portal.widgets import QuickSelect, QuickTextInput


class _FewChoices(django_filters.fields.ModelChoiceIterator):
    """Reads the choices with one plain query. Django reads a choice queryset with
    `.iterator()`, which on PostgreSQL is a server-side cursor: three round trips (DECLARE,
    FETCH, CLOSE) for a user's two or three sites, a tenth of the people list's time."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class _SiteField(django_filters.fields.ModelChoiceField):
    iterator = _FewChoices


class SiteFilter(django_filters.ModelChoiceFilter):
    """A choice of the user's sites (set the queryset to them)."""

    field_class = _SiteField


def _with_exit(queryset, **lookup):
    return queryset.filter(Exists(Exit.objects.filter(person=OuterRef("pk"), **lookup)))


class PersonFilter(QuickFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", widget=QuickTextInput)
    location = SiteFilter(
        label=_("Site"),
        queryset=Location.objects.none(),
        widget=QuickSelect,
        empty_label=_("Any site"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=choices.Status.choices,
        widget=QuickSelect,
        empty_label=_("Any status"),
    )
    closing_reason = django_filters.ChoiceFilter(
        label=_("Closing reason"),
        choices=choices.ClosingReason.choices,
        widget=QuickSelect,
        empty_label=_("Any closing reason"),
    )
    exit_type = django_filters.ChoiceFilter(
        label=_("Exit type"),
        choices=choices.ExitType.choices,
        widget=QuickSelect,
        empty_label=_("Any exit type"),
        method="filter_exit",
    )
    affiliation = django_filters.ChoiceFilter(
        label=_("Affiliation"),
        choices=choices.Affiliation.choices,
        widget=QuickSelect,
        empty_label=_("Any affiliation"),
        method="filter_exit",
    )
    recruit_status = django_filters.ChoiceFilter(
        label=_("Recruit status"),
        choices=choices.RecruitStatus.choices,
        widget=QuickSelect,
        empty_label=_("Any recruit status"),
        method="filter_exit",
    )
    exit_month = django_filters.CharFilter(
        label=_("Exit month"),
        method="filter_exit_month",
        validators=[RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", _("Use the form YYYY-MM."))],
        widget=QuickTextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        widget=QuickSelect,
        empty_label=_("Newest first"),
        fields=(
            ("created_at", "registered"),
            ("case_number", "case_number"),
            ("full_name", "name"),
            ("exit_date", "exit_date"),
            ("status", "status"),
        ),
        # Each label given, the descending ones too: django-filter builds the choices when
        # this class is defined, and its "%s (descending)" would be fixed in English then.
        field_labels={
            "registered": _("Registered"),
            "-registered": _("Registered (newest first)"),
            "case_number": _("Case number"),
            "-case_number": _("Case number (descending)"),
            "name": _("Name"),
            "-name": _("Name (descending)"),
            "exit_date": _("Exit date"),
            "-exit_date": _("Exit date (newest first)"),
            "status": _("Status"),
            "-status": _("Status (descending)"),
        },
    )

    class Meta:
        model = Person
        fields = ["q", "location", "status", "closing_reason"]

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["location"].queryset = locations

    def filter_search(self, queryset, name, value):
        return search_people_and_references(queryset, value)

    def filter_exit(self, queryset, name, value):
        return _with_exit(queryset, **{name: value})

    def filter_exit_month(self, queryset, name, value):
        try:
            year, month = (int(part) for part in value.split("-"))
        except ValueError:
            return queryset.none()
        return _with_exit(queryset, exit_date__year=year, exit_date__month=month)
