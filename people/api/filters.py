"""Filters of the people API; the people list uses the list screen's own `PersonFilter`."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from people.filters import PersonFilter
from people.models import CaseNote, Exit, FollowUp, Partner, Transfer, TransferRequest
from portal.api.filters import (
    IdFilter,
    StrictBooleanFilter,
    StrictFilterSet,
    StrictFilterSetMixin,
    TextFilter,
)
from portal.models import Location
from portal.roles import Role
from portal.scoping import active_site_ids

# The screen's filter takes any year; the API's, years the portal can hold.
EXIT_MONTH_SCHEMA = {"type": "string", "pattern": r"^(19|20)\d\d-(0[1-9]|1[0-2])$"}


class PersonApiFilter(StrictFilterSetMixin, PersonFilter):
    """The list screen's filters that say nothing about who a person is (`location`,
    `status`, `exit_type`, `affiliation`, `recruit_status`, `exit_month`, `ordering`), with the
    site as a plain id: a site outside the caller's scope gives an empty list rather than an
    error. The screen's search (`q`: case number, names, phone) is not a query parameter here:
    a URL is logged, so people are searched with `POST /api/v1/people/search/`
    (`PersonSearchFilter`)."""

    q = None  # removes the screen's search from the URL's filters
    location = IdFilter(field_name="location_id")
    exit_month = extend_schema_field(EXIT_MONTH_SCHEMA)(
        django_filters.CharFilter(
            method="filter_exit_month",
            validators=[RegexValidator(EXIT_MONTH_SCHEMA["pattern"], _("Use the form YYYY-MM."))],
        )
    )

    class Meta(PersonFilter.Meta):
        fields = ["location", "status"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        # PersonFilter sets the choices of its site filter; the API's site filter is an id.
        super().__init__(
            data, queryset, request=request, locations=Location.objects.none(), **kwargs
        )


class PersonSearchFilter(PersonApiFilter):
    """The list's filters and the screen's search, for the body of `POST
    /api/v1/people/search/`: `q` matches case numbers, names (Latin or Burmese, Unicode or
    Zawgyi) and phone numbers."""

    q = TextFilter(label=_("Search"), method="filter_search")

    class Meta(PersonApiFilter.Meta):
        fields = ["q", "location", "status"]


class PersonPartFilter(StrictFilterSet):
    """`?person=<id>` on every record that belongs to a person."""

    person = IdFilter(field_name="person_id")


class ExitFilter(PersonPartFilter):
    exit_type = django_filters.ChoiceFilter(choices=Exit._meta.get_field("exit_type").choices)
    affiliation = django_filters.ChoiceFilter(choices=Exit._meta.get_field("affiliation").choices)
    exit_date_after = django_filters.DateFilter(field_name="exit_date", lookup_expr="gte")
    exit_date_before = django_filters.DateFilter(field_name="exit_date", lookup_expr="lte")

    class Meta:
        model = Exit
        fields = ["person", "exit_type", "affiliation"]


class CaseNoteFilter(PersonPartFilter):
    author = IdFilter(field_name="author_id")

    class Meta:
        model = CaseNote
        fields = ["person", "author"]


class FollowUpFilter(PersonPartFilter):
    assignee = IdFilter(field_name="assignee_id")
    done = StrictBooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = FollowUp
        fields = ["person", "assignee", "done"]


class TransferFilter(PersonPartFilter):
    from_location = IdFilter(field_name="from_location_id")
    to_location = IdFilter(field_name="to_location_id")

    class Meta:
        model = Transfer
        fields = ["person", "from_location", "to_location"]


class TransferRequestFilter(PersonPartFilter):
    """`direction`: `incoming` (to the caller's sites) or `outgoing` (from them); admins act
    for every site, so both give them every request."""

    status = django_filters.ChoiceFilter(choices=TransferRequest.Status.choices)
    direction = django_filters.ChoiceFilter(
        choices=[("incoming", _("incoming")), ("outgoing", _("outgoing"))],
        method="filter_direction",
    )
    from_location = IdFilter(field_name="from_location_id")
    to_location = IdFilter(field_name="to_location_id")

    class Meta:
        model = TransferRequest
        fields = ["person", "status", "direction", "from_location", "to_location"]

    def filter_direction(self, queryset, name, value):
        user = self.request.user
        if user.role == Role.ADMIN:
            return queryset
        field = "to_location__in" if value == "incoming" else "from_location__in"
        return queryset.filter(**{field: active_site_ids(user)})


class PartnerFilter(StrictFilterSet):
    active = StrictBooleanFilter()

    class Meta:
        model = Partner
        fields = ["active"]
