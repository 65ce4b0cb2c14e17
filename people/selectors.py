"""Reads for people and cases. Every queryset starts from `visible_to`."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from people import burmese, workflow
from people.choices import ClosingReason, Status
from people.models import Exit, Flag, FollowUp, Person, StatusChange
from people.services import normalise_phone
from portal.fields import search_hash
from portal.models import User
from portal.roles import Role
from portal.scoping import get_object_for_user, visible_to
from portal.selectors import staff_for

CASE_NUMBER = re.compile(r"^[A-Za-z]{2,4}-\d{2}(-\d{0,5})?$")


def current_people_for(user: User) -> QuerySet[Person]:
    """People the user may see, merged-away records excluded: where every list and choice
    of people starts (screens, exports, API)."""
    return visible_to(user, Person.objects.current())


def _latest_exit() -> QuerySet[Exit]:
    return Exit.objects.filter(person=OuterRef("pk")).order_by("-exit_date", "-id")


def _listed_people(user: User) -> QuerySet[Person]:
    """`current_people_for` with what every list of people shows and sorts on: the site, the
    case worker and the latest exit date."""
    return (
        current_people_for(user)
        .select_related("location", "case_worker")
        .annotate(exit_date=Subquery(_latest_exit().values("exit_date")[:1]))
    )


def people_for(user: User) -> QuerySet[Person]:
    """People the user may see (merged-away records excluded), with their latest exit and
    open flags, for the screens."""
    latest_exit = _latest_exit()
    return (
        _listed_people(user)
        .annotate(
            exit_type=Subquery(latest_exit.values("exit_type")[:1]),
            affiliation=Subquery(latest_exit.values("affiliation")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(resolved_at__isnull=True),
                to_attr="open_flags",
            )
        )
    )


# The people list shows these columns (and sorts on them): nothing else is read, so the
# encrypted and JSON fields are neither fetched nor decrypted for 50 rows a page.
LIST_FIELDS = (
    "case_number",
    "full_name",
    "preferred_name",
    "name_my",
    "status",
    "created_at",
    "location__code",
    "case_worker__full_name",
    "case_worker__email",
)


def with_exit_verification(people: QuerySet[Person]) -> QuerySet[Person]:
    """How the latest exit is known (`exit_verification`), for exports: the screens do not
    show it in lists, so `people_for` does not pay for the subquery."""
    return people.annotate(exit_verification=Subquery(_latest_exit().values("verification")[:1]))


def people_list_for(user: User) -> QuerySet[Person]:
    """`people_for`, reading only the columns of the people list."""
    return people_for(user).only(*LIST_FIELDS)


def people_with_exits_for(user: User) -> QuerySet[Person]:
    """The people of `people_for` with all their exits, as the API shows each person."""
    # With `to_attr`, Django hands each person a plain list; without it, it builds a
    # filtered queryset per person (a third of the API list's time, for 50 people).
    return _listed_people(user).prefetch_related(Prefetch("exits", to_attr="prefetched_exits"))


def search_people(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Case number, any name (Latin or Burmese, typed in Unicode or Zawgyi) or phone."""
    query = (query or "").strip()
    if not query:
        return queryset
    if CASE_NUMBER.match(query):
        return queryset.filter(case_number__istartswith=query)
    latin_key, burmese_key = burmese.search_keys(query)
    condition = Q(preferred_name__icontains=query)
    if latin_key:
        condition |= Q(name_key__contains=latin_key)
    if burmese_key:
        condition |= Q(name_my_key__contains=burmese_key)
    digits = normalise_phone(query)
    if len(digits.lstrip("+")) >= 6:
        condition |= Q(phone_hash=search_hash(digits))
    return queryset.filter(condition)


def person_for(user: User, pk: int) -> Person:
    """One person within the user's scope (404 otherwise), for the person page."""
    return get_object_for_user(
        user,
        Person.objects.select_related("location", "case_worker", "merged_into", "created_by"),
        pk=pk,
    )


def person_page_data(person: Person) -> dict:
    """Everything the person page lists, in one query per section."""
    status_changes = list(person.status_changes.select_related("changed_by"))
    # The status at registration: the first change's "from" (none yet: the status now).
    first_status = status_changes[0].from_status if status_changes else person.status
    return {
        "status_changes": status_changes,
        "first_status_label": Status(first_status).label,
        "exits": list(person.exits.all()),
        "notes": list(person.notes.select_related("author")),
        "follow_ups": list(person.follow_ups.select_related("assignee", "done_by")),
        "transfers": list(
            person.transfers.select_related("from_location", "to_location", "transferred_by")
        ),
        "flags": list(person.flags.select_related("raised_by", "resolved_by")),
        "referrals": list(person.referrals.select_related("partner", "consent_override_by")),
        "feedback": list(person.feedback.all()),
    }


def case_workers_for(user: User) -> QuerySet[User]:
    """Who may be given a case (case workers and admins of the user's sites), by name."""
    return staff_for(user, roles=(Role.CASE_WORKER, Role.ADMIN)).order_by("full_name", "email")


def receiving_group_suggestions(user: User) -> list[str]:
    exits = visible_to(user, Exit.objects.exclude(receiving_group=""))
    return list(
        exits.order_by("receiving_group").values_list("receiving_group", flat=True).distinct()[:50]
    )


def case_worker_home(user: User, days_ahead: int = 7) -> dict:
    """The case worker's home page: recent cases at their sites and follow-ups due soon."""
    horizon = timezone.localdate() + timedelta(days=days_ahead)
    follow_ups = visible_to(
        user, FollowUp.objects.filter(done_at__isnull=True, due_on__lte=horizon)
    ).select_related("person", "assignee")
    return {
        "recent_people": people_for(user)[:10],
        "due_follow_ups": follow_ups.order_by("due_on")[:20],
        "today": timezone.localdate(),
    }


def closings_in_month(user: User, month_start=None) -> list[tuple[str, int]]:
    """The admins' figure: cases closed (or resettled) in a month, by closing reason, exact,
    as (label, people), every reason listed; the current month by default. A case closed
    twice in the month is counted once per reason."""
    start = month_start or timezone.localdate().replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    counts = dict(
        visible_to(
            user,
            StatusChange.objects.filter(
                to_status__in=workflow.CLOSED_STATES, changed_on__gte=start, changed_on__lt=end
            ),
        )
        .order_by()
        .values("closing_reason")
        .annotate(people=Count("person", distinct=True))
        .values_list("closing_reason", "people")
    )
    return [(str(reason.label), counts.get(reason.value, 0)) for reason in ClosingReason]


def person_ids_with_case_number(case_number: str) -> QuerySet:
    """Ids of the people with this case number (any site), for the audit log's filter; the
    audit log itself is scoped by `visible_to`."""
    return Person.objects.filter(case_number__iexact=case_number).values("pk")
