"""The people list as an export table (admins only; filters as on the list screen)."""

from django.db.models import F
from django.http import QueryDict

from people.filters import PersonFilter
from people.selectors import people_for, with_exit_verification
from portal.exports import Table
from portal.models import User
from portal.selectors import locations_for

COLUMNS = [
    ("case_number", "case_number"),
    ("reference", "reference"),
    ("full_name", "full_name"),
    ("preferred_name", "preferred_name"),
    ("name_my", "name_my"),
    ("sex", "sex"),
    ("birth_year", "birth_year"),
    ("origin_region", "origin_region"),
    ("location", "location__code"),
    ("status", "status"),
    ("case_worker", "case_worker__email"),
    ("exit_type", "exit_type"),
    ("affiliation", "affiliation"),
    ("exit_date", "exit_date"),
    ("exit_verification", "exit_verification"),
    ("registered_on", "created_at__date"),
]


def people_table(user: User, params: dict) -> Table:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = value
    person_filter = PersonFilter(
        query, queryset=people_for(user).prefetch_related(None), locations=locations_for(user)
    )
    people = person_filter.qs if person_filter.is_valid() else person_filter.queryset.none()
    people = people.order_by(F("created_at").asc(), "pk") if not params.get("ordering") else people
    ids = people.order_by("pk").values_list("pk", flat=True)
    rows = with_exit_verification(people).values_list(*[path for _, path in COLUMNS])
    return Table(
        header=[name for name, _ in COLUMNS],
        total=people.count(),
        rows=rows.iterator(chunk_size=2000),
        person_ids=lambda: ids.iterator(chunk_size=2000),
    )
