"""The people list's rows as plain values, not model objects.

A page of the list showed 50 people as about 140 model objects (each person with its site
and case worker) plus a prefetch of their open flags: a third of Django's part of the
busiest page. The row needs eleven values; they are read as tuples, with the open flags'
reasons in a second small query (as the prefetch did), so the page keeps its query count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from people.models import OPEN_FLAGS, Flag, Person
from people.selectors import LATEST_EXIT_ROW
from portal.lookups import AnyOf
from portal.models import User

# The values a row shows, in `PersonRow`'s order but for the latest exit's three, read as one
# JSON object (`selectors.LATEST_EXIT_ROW`) and put after `status`.
ROW_VALUES = (
    "pk",
    "case_number",
    "full_name",
    "name_my",
    "location__code",
    "status",
    "case_worker__full_name",
    "case_worker__email",
    LATEST_EXIT_ROW,
)


@dataclass(frozen=True, slots=True, repr=False)
class PersonRow:
    """One person as the list shows them."""

    pk: int
    case_number: str
    full_name: str
    name_my: str
    site_code: str
    status: str
    exit_type: str | None
    affiliation: str | None
    exit_date: date | None
    case_worker_name: str | None
    case_worker_email: str | None
    open_flags: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # Case number only, as `Person.__str__`: a name never reaches a log line or a
        # traceback's locals.
        return f"<PersonRow {self.case_number}>"

    @property
    def audit_person_id(self) -> int:
        """The person the row shows, for the audit row of the page (`record_page_read`)."""
        return self.pk

    @property
    def case_worker(self) -> str | None:
        """The case worker's short name (`User.get_short_name`), or None without one."""
        if self.case_worker_email is None:
            return None
        return User.short_name_of(self.case_worker_name or "", self.case_worker_email)


def read_list_rows(people: QuerySet[Person]) -> list[PersonRow]:
    """The rows of `people` (a queryset of `selectors.people_list_for`, already scoped to the
    user and narrowed to a page), in its order, each with the reasons of the person's open
    flags (newest first): the flags of those people only, as `people_for`'s prefetch reads
    them."""
    values = list(people.prefetch_related(None).values_list(*ROW_VALUES))
    if not values:
        return []
    flags: dict[int, list[str]] = defaultdict(list)
    open_flags = Flag.objects.filter(
        OPEN_FLAGS, AnyOf("person_id", [row[0] for row in values])
    ).values_list("person_id", "reason")
    for person_id, reason in open_flags:
        flags[person_id].append(reason)
    return [
        PersonRow(
            *row[:6], *_exit_values(row[8]), *row[6:8], open_flags=tuple(flags.get(row[0], ()))
        )
        for row in values
    ]


def _exit_values(latest: dict | None) -> tuple[str | None, str | None, date | None]:
    """The latest exit's type, affiliation and date from its JSON object (None: no exit)."""
    if latest is None:
        return None, None, None
    exit_date = latest["exit_date"]
    return (
        latest["exit_type"],
        latest["affiliation"],
        date.fromisoformat(exit_date) if exit_date is not None else None,
    )
