"""Reads for "My caseload" (issue 22): a case worker's open cases with the next follow-up and
the latest contact, and the admins' supervision figures per case worker.

What counts as contact: the day the person was registered (a new case is not "without
contact"), a case note written about them, a follow-up marked done, and whatever the
composing layer adds through `extra_contact` (assistance given, from `programs`: people does
not import programs, so `config` passes that subquery in). The latest of these dates is the
person's `last_contact`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    Expression,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from people import workflow
from people.models import CaseNote, FollowUp, Person
from people.selectors import case_workers_for, current_people_for
from portal.models import User
from portal.scoping import visible_to


def no_contact_days() -> int:
    return settings.CASELOAD_NO_CONTACT_DAYS


def _open_follow_ups() -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(done_at__isnull=True)


def _latest_date(queryset, field: str) -> Subquery:
    """The latest `field` (a date-time, as a date in the current time zone) of a person's
    rows, as a subquery."""
    return Subquery(
        queryset.filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(latest=Max(TruncDate(field)))
        .values("latest")[:1],
        output_field=DateField(),
    )


def open_cases_of(user: User, worker: User) -> QuerySet[Person]:
    """The current, open (not resettled or closed) cases of `worker` that `user` may see."""
    return (
        current_people_for(user)
        .filter(case_worker=worker)
        .exclude(status__in=workflow.CLOSED_STATES)
    )


def caseload_for(
    user: User, worker: User, extra_contact: Sequence[Expression] = ()
) -> QuerySet[Person]:
    """`worker`'s open cases as `user` sees them, with `next_follow_up` (the earliest open
    follow-up's due date), `last_contact` and `overdue` / `no_contact` flags; ordered by the
    next follow-up (overdue ones come first: they are the earliest), people without one last.
    `extra_contact`: more subqueries giving a date of contact per person (OuterRef "pk")."""
    registered = TruncDate("created_at")
    # Each source defaults to the registration day: GREATEST is NULL on SQLite as soon as one
    # argument is NULL (PostgreSQL ignores NULLs), so no argument may be NULL.
    sources = [
        _latest_date(CaseNote.objects.all(), "created_at"),
        _latest_date(FollowUp.objects.filter(done_at__isnull=False), "done_at"),
        *extra_contact,
    ]
    last_contact = Greatest(
        registered, *(Coalesce(source, registered, output_field=DateField()) for source in sources)
    )
    next_follow_up = Subquery(
        _open_follow_ups()
        .filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(first=Min("due_on"))
        .values("first")[:1],
        output_field=DateField(),
    )
    return (
        open_cases_of(user, worker)
        .select_related("location")
        .only(
            "case_number",
            "full_name",
            "preferred_name",
            "name_my",
            "status",
            "created_at",
            "location__code",
            "location__name",
        )
        .annotate(next_follow_up=next_follow_up, last_contact=last_contact)
        .order_by(F("next_follow_up").asc(nulls_last=True), "case_number")
    )


def without_contact(people: QuerySet[Person], today: date | None = None) -> QuerySet[Person]:
    """Those of `caseload_for` whose latest contact is `no_contact_days()` old or older."""
    today = today or timezone.localdate()
    return people.filter(last_contact__lte=today - timedelta(days=no_contact_days()))


def mark(people: Sequence[Person], today: date | None = None) -> Sequence[Person]:
    """Set `overdue` and `days_without_contact` on each listed person (for the template)."""
    today = today or timezone.localdate()
    for person in people:
        person.overdue = person.next_follow_up is not None and person.next_follow_up < today
        person.days_without_contact = (today - person.last_contact).days
        person.no_contact = person.days_without_contact >= no_contact_days()
    return people


def workers_for(user: User) -> QuerySet[User]:
    """Whose caseload `user` (an admin) may open: the case workers and admins of their sites."""
    return case_workers_for(user)


@dataclass(frozen=True)
class WorkerFigures:
    worker: User | None  # None: cases nobody is assigned to
    open_cases: int
    overdue_follow_ups: int


def figures_per_worker(user: User, today: date | None = None) -> list[WorkerFigures]:
    """Exact supervision figures (admins only): open cases per case worker and the open
    follow-ups past their due date per assignee, every worker of the user's sites listed (with
    zeros), then the unassigned cases. Two grouped queries and one for the workers."""
    today = today or timezone.localdate()
    cases = dict(
        current_people_for(user)
        .exclude(status__in=workflow.CLOSED_STATES)
        .order_by()
        .values("case_worker")
        .annotate(count=Count("pk"))
        .values_list("case_worker", "count")
    )
    overdue = dict(
        visible_to(user, _open_follow_ups().filter(due_on__lt=today))
        .filter(Q(person__merged_into__isnull=True))
        .order_by()
        .values("assignee")
        .annotate(count=Count("pk"))
        .values_list("assignee", "count")
    )
    workers = list(workers_for(user))
    known = {worker.pk for worker in workers}
    # Someone no longer on a site may still hold cases or follow-ups: list them too.
    others = (set(cases) | set(overdue)) - known - {None}
    if others:
        workers += list(User.objects.filter(pk__in=others).order_by("full_name", "email"))
    rows = [
        WorkerFigures(worker, cases.get(worker.pk, 0), overdue.get(worker.pk, 0))
        for worker in workers
    ]
    if cases.get(None):
        rows.append(WorkerFigures(None, cases[None], 0))
    return rows
