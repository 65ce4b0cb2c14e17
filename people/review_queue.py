"""The admins' review queue of suspected duplicates (`DuplicateSuspicion`), filled as records
arrive or change: the people services and the import enqueue `people.tasks.queue_duplicates`
after their commit, which calls `queue_pairs` here. Pairs across sites are included: only
admins see the queue.

Resolving a pair (merged, or marked as different people) is written by `people.services`.

Idempotent: a pair is one row (ordered ids, unique); finding it again updates its score and
reasons while it is open, and never reopens a pair an admin resolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from people.choices import SuspicionStatus
from people.duplicates import find_candidates, suspected_pairs
from people.models import DistinctPeople, DuplicateSuspicion, Person

CANDIDATES_PER_PERSON = 5


def described(person: Person) -> dict[str, Any]:
    """What `find_candidates` compares, taken from a saved person."""
    exits = person.exit_list
    return {
        "full_name": person.full_name,
        "name_my": person.name_my,
        "birth_year": person.birth_year,
        "phone": person.phone,
        "sex": person.sex,
        "origin_region": person.origin_region,
        "exit_date": exits[0].exit_date if exits else None,
        "reference": person.reference,
    }


def queue_pairs(person_ids: Iterable[int]) -> int:
    """Look for candidates of each of these people among all current people (every site)
    and queue the pairs; returns how many pairs were queued for the first time. People gone
    or merged away are skipped."""
    people = Person.objects.current().filter(pk__in=list(person_ids), anonymised_at__isnull=True)
    found: dict[tuple[int, int], tuple[float, list[str]]] = {}
    for person in people.prefetch_related("exits"):
        for candidate in find_candidates(
            Person.objects.filter(anonymised_at__isnull=True),
            exclude_pk=person.pk,
            limit=CANDIDATES_PER_PERSON,
            **described(person),
        ):
            pair = tuple(sorted((person.pk, candidate.person.pk)))
            found[pair] = (candidate.score, [str(reason) for reason in candidate.reasons])
    return record_pairs(found)


def record_pairs(found: dict[tuple[int, int], tuple[float, list[str]]]) -> int:
    """Queue the pairs (lower id, higher id) → (score, reasons), leaving out the pairs marked
    as different people; update the open ones already queued. Returns the new ones."""
    if not found:
        return 0
    firsts = {first for first, _second in found}
    different = set(
        DistinctPeople.objects.filter(first__in=firsts).values_list("first_id", "second_id")
    )
    existing = {
        (row.first_id, row.second_id): row
        for row in DuplicateSuspicion.objects.filter(first__in=firsts)
        if (row.first_id, row.second_id) in found
    }
    new, changed = [], []
    for (first, second), (score, reasons) in found.items():
        if (first, second) in different:
            continue
        row = existing.get((first, second))
        if row is None:
            new.append(
                DuplicateSuspicion(first_id=first, second_id=second, score=score, reasons=reasons)
            )
        elif row.status == SuspicionStatus.OPEN and (row.score, row.reasons) != (score, reasons):
            row.score, row.reasons = score, reasons
            changed.append(row)
    # A pair queued meanwhile by another worker is left as it is (the unique pair).
    created = DuplicateSuspicion.objects.bulk_create(new, ignore_conflicts=True)
    DuplicateSuspicion.objects.bulk_update(changed, ["score", "reasons", "updated_at"])
    return len(created)


def backfill(limit: int = 100_000) -> int:
    """Queue the pairs `suspected_pairs` finds among the records already there (the review
    page's former computation), e.g. once after the upgrade. Returns the new ones."""
    pairs = suspected_pairs(Person.objects.filter(anonymised_at__isnull=True), limit=limit)
    why_text = {"name": _("same name"), "name_my": _("same Burmese name"), "phone": _("same phone")}
    found = {(first.pk, second.pk): (1.0, [why_text.get(why, why)]) for first, second, why in pairs}
    return record_pairs(found)


def open_pairs(people: QuerySet[Person], limit: int) -> list[DuplicateSuspicion]:
    """The queued pairs still to review among `people` (both records current), closest
    first, with both records and their sites. One query."""
    people = people.current()
    return list(
        DuplicateSuspicion.objects.filter(
            status=SuspicionStatus.OPEN, first__in=people, second__in=people
        )
        .select_related("first__location", "second__location")
        .order_by("-score", "first_id", "second_id")[:limit]
    )
