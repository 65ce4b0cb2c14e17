"""Filter backends of the API: django-filter FilterSets, search and strict ordering.

Filters by the id of a related record (`?person=12`) are plain number filters: an id the user
cannot see (or that does not exist) gives an empty list, never an error that would confirm it
exists. The querysets they filter are already narrowed by `visible_to`.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter

from portal.filtersets import QuickFilterSet


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=name,-created_at` over the view's `ordering_fields` only; an unknown field is
    refused with 400 (DRF's own filter ignores it silently)."""

    def get_valid_fields(self, queryset, view, context=None):
        fields = getattr(view, "ordering_fields", None) or []
        return [(name, name) for name in fields]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return self.get_default_ordering(view)
        valid = {name for name, _label in self.get_valid_fields(queryset, view)}
        terms = raw.split(",")
        invalid = [term for term in terms if term.removeprefix("-") not in valid]
        if invalid:
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("Order by one or more of: %(fields)s (prefix - for descending).")
                        % {"fields": ", ".join(sorted(valid))}
                    ]
                }
            )
        # A stable order for pagination: the view's default ordering breaks ties.
        return [*terms, *(getattr(view, "ordering", None) or [])]

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None) or []
        if not fields:
            return []
        names = "|".join(re.escape(name) for name in fields)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Comma-separated fields to order by, - for descending: %(fields)s.")
                    % {"fields": ", ".join(fields)}
                ),
                "schema": {"type": "string", "pattern": f"^-?({names})(,-?({names}))*$"},
            }
        ]


# Free text in a query parameter: anything but NUL characters (Django refuses those).
TEXT_SCHEMA = {"type": "string", "pattern": "^[^\\x00]*$"}


class PortalSearchFilter(SearchFilter):
    """`?search=` over the view's `search_fields`; absent from views without them."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as error:
            raise ValidationError({self.search_param: error.detail}) from error

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "search_fields", None):
            return []
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = dict(TEXT_SCHEMA)
        return parameters


@extend_schema_field(TEXT_SCHEMA)
class TextFilter(django_filters.CharFilter):
    """A free-text filter (documented as such: NUL characters are refused)."""


MAX_ID = 2**63 - 1  # the largest primary key (BigAutoField)


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """The id of a related record (`?person=12`): an id out of scope gives an empty list."""

    field_class = IdField


FILTER_BACKENDS = [DjangoFilterBackend, PortalSearchFilter, StrictOrderingFilter]


# --- No personal data in URLs -----------------------------------------------------------------
# URLs are written to access logs, proxies' logs and browser history: a name, phone number or
# case number must never be one. People are searched with a JSON body (`POST
# /api/v1/people/search/`); these query parameters, which a client might try for that, are
# refused on every endpoint (400) rather than ignored, so that a script learns where to send
# them. No list filters by person details in its URL (tests/api/test_personal_data_in_urls.py
# checks every viewset's filters).
PERSONAL_QUERY_PARAMETERS = frozenset(
    {
        "q",
        "name",
        "full_name",
        "preferred_name",
        "name_my",
        "phone",
        "case_number",
        "birth_year",
        "person_name",
    }
)
SEARCH_ROUTE = "api:person-search"


class PersonalDataInUrl(ValidationError):
    """A personal search term in the query string: refused before the view reads anything,
    and audited as a refusal (see `portal.api.exceptions`)."""


def refuse_personal_query_parameters(request) -> None:
    """400 naming the search endpoint when the query string holds a personal parameter."""
    names = sorted(PERSONAL_QUERY_PARAMETERS & set(request.query_params))
    if names:
        message = _(
            "Personal search terms are not accepted in a URL (URLs are logged). Send them in "
            "the JSON body of POST %(search)s."
        ) % {"search": reverse(SEARCH_ROUTE)}
        raise PersonalDataInUrl({name: [message] for name in names})


class StrictFilterSetMixin:
    """A filter given with an empty value is refused, except free text: in the API `?status=`
    is a mistake, not "any status" (the screens' forms send empty fields; clients do not)."""

    empty_message = _("Give a value, or leave the parameter out.")

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if self.data.get(name) == "" and not _free_text(filter_):
                self.form.add_error(name, self.empty_message)
                valid = False
        return valid


def _free_text(filter_) -> bool:
    if isinstance(filter_, django_filters.filters.BaseCSVFilter):
        return True  # an empty list (e.g. `?ordering=`): the default
    return isinstance(filter_, django_filters.CharFilter) and not filter_.extra.get("validators")


class StrictFilterSet(StrictFilterSetMixin, QuickFilterSet):
    """Base of the API's FilterSets."""


class StrictBooleanField(forms.Field):
    """`true`/`false` (also `1`/`0`); anything else is an error, not "no filter"."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[str(value).lower()]
        except KeyError:
            raise forms.ValidationError(_("Use true or false."), code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
