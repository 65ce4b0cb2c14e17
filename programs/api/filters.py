"""Filters of the programs API, matching the list screens (sessions: upcoming or past, course,
site; assistance: dates, site, type). Ids of related records are plain numbers: an id out of
the caller's scope gives an empty list."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.api.filters import IdFilter, StrictBooleanFilter, StrictFilterSet
from portal.timezones import by_site_day
from programs.models import (
    AssistanceType,
    Attendance,
    Course,
    Distribution,
    Enrolment,
    SafeHome,
    Stay,
    TrainingSession,
)


class CourseFilter(StrictFilterSet):
    active = StrictBooleanFilter()

    class Meta:
        model = Course
        fields = ["active"]


class AssistanceTypeFilter(StrictFilterSet):
    active = StrictBooleanFilter()
    kind = django_filters.ChoiceFilter(choices=AssistanceType.Kind.choices)

    class Meta:
        model = AssistanceType
        fields = ["active", "kind"]


class SessionFilter(StrictFilterSet):
    """`when=upcoming` (today and later) or `when=past`, as on the sessions screen."""

    when = django_filters.ChoiceFilter(
        choices=[("upcoming", _("Today and later")), ("past", _("Before today"))],
        method="filter_when",
    )
    course = IdFilter(field_name="course_id")
    location = IdFilter(field_name="location_id")
    trainer = IdFilter(field_name="trainer_id")
    status = django_filters.ChoiceFilter(choices=TrainingSession.Status.choices)
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = TrainingSession
        fields = ["when", "course", "location", "trainer", "status"]

    def filter_when(self, queryset, name, value):
        # Past or upcoming by the day at each session's own site.
        if value == "past":
            return queryset.filter(by_site_day(lambda today: Q(date__lt=today)))
        return queryset.filter(by_site_day(lambda today: Q(date__gte=today)))


class EnrolmentFilter(StrictFilterSet):
    session = IdFilter(field_name="session_id")
    person = IdFilter(field_name="person_id")
    status = django_filters.ChoiceFilter(choices=Enrolment.Status.choices)

    class Meta:
        model = Enrolment
        fields = ["session", "person", "status"]


class AttendanceFilter(StrictFilterSet):
    session = IdFilter(field_name="session_id")
    person = IdFilter(field_name="person_id")
    status = django_filters.ChoiceFilter(choices=Attendance.Status.choices)

    class Meta:
        model = Attendance
        fields = ["session", "person", "status"]


class DistributionFilter(StrictFilterSet):
    person = IdFilter(field_name="person_id")
    location = IdFilter(field_name="location_id")
    assistance_type = IdFilter(field_name="assistance_type_id")
    date_after = django_filters.DateFilter(field_name="distributed_on", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="distributed_on", lookup_expr="lte")
    confirmed = StrictBooleanFilter(
        field_name="received_confirmed_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Distribution
        fields = ["person", "location", "assistance_type", "confirmed"]


class HomeFilter(StrictFilterSet):
    location = IdFilter(field_name="location_id")
    active = StrictBooleanFilter()

    class Meta:
        model = SafeHome
        fields = ["location", "active"]


class StayFilter(StrictFilterSet):
    """`open=true`: people living in a home now."""

    person = IdFilter(field_name="person_id")
    home = IdFilter(field_name="home_id")
    open = StrictBooleanFilter(field_name="check_out", lookup_expr="isnull")

    class Meta:
        model = Stay
        fields = ["person", "home", "open"]
