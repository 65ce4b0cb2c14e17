"""`QuickFilterSet`: the form and the list of django-filter's own way, and nothing a request
sets is seen by another request's FilterSet."""

import copy

import django_filters
import pytest
from django.http import QueryDict

from people.filters import PersonFilter
from people.models import Person
from portal.filtersets import QuickFilterSet
from portal.models import Location

pytestmark = pytest.mark.django_db

DATA = "q=kyaw&status=active&exit_type=defected&exit_month=2025-03&ordering=-name"


class DjangoFiltersWay(PersonFilter):
    """`PersonFilter` made and formed as django-filter itself does."""

    def __init__(self, *args, locations, **kwargs):
        django_filters.FilterSet.__init__(self, *args, **kwargs)
        self.filters["location"].queryset = locations

    form = django_filters.FilterSet.form


@pytest.mark.parametrize("data", [DATA, "status=nope&exit_month=2025-13", "", None])
def test_the_form_and_the_list_are_django_filters_own(data, mae_sot, mae_sariang):
    data = None if data is None else QueryDict(data)
    locations = Location.objects.filter(pk__in=[mae_sot.pk, mae_sariang.pk])
    quick = PersonFilter(data, queryset=Person.objects.all(), locations=locations)
    plain = DjangoFiltersWay(data, queryset=Person.objects.all(), locations=locations)
    assert type(plain.form) is not type(quick.form)  # the comparison compares two ways
    assert quick.is_valid() == plain.is_valid()
    assert quick.form.errors == plain.form.errors
    assert list(quick.form.fields) == list(plain.form.fields)
    assert [str(field) for field in quick.form] == [str(field) for field in plain.form]
    if quick.is_valid():
        assert str(quick.qs.query) == str(plain.qs.query)


def test_two_filtersets_share_no_filter_field_or_sites(mae_sot, mae_sariang):
    """The site filter's choices are the user's sites: one request's must never be another's
    (django-filter puts the queryset in the filter's `extra` and caches the built field)."""
    for filter_ in PersonFilter.base_filters.values():
        filter_.field  # noqa: B018 - built and cached on the class's filters, as the API schema does
    declared = {name: dict(filter_.extra) for name, filter_ in PersonFilter.base_filters.items()}
    first = PersonFilter(None, locations=Location.objects.filter(pk=mae_sot.pk))
    second = PersonFilter(None, locations=Location.objects.filter(pk=mae_sariang.pk))
    assert list(first.form.fields["location"].queryset) == [mae_sot]
    assert list(second.form.fields["location"].queryset) == [mae_sariang]
    for name in first.filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].extra is not second.filters[name].extra
        assert first.form.fields[name] is not second.form.fields[name]
        assert first.form.fields[name] is not PersonFilter.base_filters[name].field
        assert PersonFilter.base_filters[name].extra == declared[name]
    assert (
        PersonFilter.base_filters["location"].extra["queryset"] is declared["location"]["queryset"]
    )


def test_a_method_filter_calls_its_own_filterset(mae_sot):
    """django-filter's `FilterMethod` calls the method of the filter's parent: each copy's is
    its own FilterSet, not the class's declared filter."""
    calls = []

    class Recording(QuickFilterSet):
        name = django_filters.CharFilter(method="record")

        class Meta:
            model = Location
            fields = ["name"]

        def record(self, queryset, name, value):
            calls.append((self, value))
            return queryset.filter(code=value)

    first, second = Recording(QueryDict("name=A")), Recording(QueryDict("name=B"))
    list(second.qs), list(first.qs)
    assert calls == [(second, "B"), (first, "A")]
    assert Recording.base_filters["name"].filter.f is Recording.base_filters["name"]


def test_a_form_class_made_once_per_filterset_class():
    assert type(PersonFilter(locations=Location.objects.none()).form) is type(
        PersonFilter(QueryDict(DATA), locations=Location.objects.none()).form
    )
    assert type(PersonFilter(locations=Location.objects.none()).form).__name__ == "PersonFilterForm"


def test_declared_filters_are_left_as_declared():
    before = copy.deepcopy(PersonFilter.base_filters["status"].extra)
    PersonFilter(QueryDict("status=active"), locations=Location.objects.none()).form.fields[
        "status"
    ].choices = [("x", "X")]
    assert PersonFilter.base_filters["status"].extra == before
