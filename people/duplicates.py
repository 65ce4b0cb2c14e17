"""Possible duplicates: scored candidates for one person described (`find_candidates`, by
`people.matching` keys), and the admins' pairs to review (`suspected_pairs`)."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import reduce
from heapq import merge
from itertools import combinations, islice
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from people import candidate_lookup
from people.models import DistinctPeople, Person


@dataclass(frozen=True)
class Candidate:
    """A person who may be the one described, with why: shown before registering, in the
    import report, in the API's 409 and queued for the admins' review."""

    person: Person
    score: float  # higher is closer; candidates are ranked by it
    reasons: tuple[str, ...] = ()  # translated, e.g. "same phone"


def find_candidates(
    people: QuerySet[Person],
    *,
    full_name: str = "",
    name_my: str = "",
    birth_year: int | None = None,
    phone: str = "",
    sex: str = "",
    origin_region: str = "",
    exit_date: date | None = None,
    reference: str = "",
    exclude_pk: int | None = None,
    limit: int = 5,
    phone_region: str = "",
) -> list[Candidate]:
    """Current people in `people` who may be the person described, best first, at most
    `limit`. Evidence that is not given is simply not used. Names are compared by their
    canonical syllables (`people.matching`: spelling variants, honorifics, word order, Latin
    or Burmese script), phones by E.164 (`phone_region`: the region of numbers written
    without a country code, the country of the site; not given, every region the portal
    knows is tried). One query
    (`candidate_lookup.pool`)."""
    described = candidate_lookup.Described.of(
        full_name=full_name,
        name_my=name_my,
        birth_year=birth_year,
        phone=phone or "",
        sex=sex,
        origin_region=origin_region,
        exit_date=exit_date,
        region=phone_region,
    )
    found = []
    for person in candidate_lookup.pool(people.current().exclude(pk=exclude_pk), described):
        scored = candidate_lookup.score(described, person)
        if scored is not None:
            found.append(Candidate(person, *scored))
    found = _with_same_reference(found, people.current().exclude(pk=exclude_pk), reference)
    found.sort(key=lambda candidate: (-candidate.score, -candidate.person.pk))
    return found[:limit]


# Above any sum of the other evidence: the organisation's own identifier given again is the
# strongest sign of the same person (issue 21).
REFERENCE_SCORE = 10.0


def _with_same_reference(
    found: list[Candidate], people: QuerySet[Person], reference: str
) -> list[Candidate]:
    """`found`, with the current person holding `reference` (at most one: unique) first among
    its reasons, or added. One query, only when a reference is given."""
    reference = (reference or "").strip()
    holder = reference and people.filter(reference=reference).select_related("location").first()
    if not holder:
        return found
    others = [candidate for candidate in found if candidate.person.pk != holder.pk]
    earlier = next((c for c in found if c.person.pk == holder.pk), Candidate(holder, 0.0))
    reasons = (_("same reference"), *earlier.reasons)
    return [Candidate(holder, earlier.score + REFERENCE_SCORE, reasons), *others]


def candidates_for(people: QuerySet[Person], **described) -> list[Person]:
    """The people of `find_candidates`, without scores and reasons."""
    return [candidate.person for candidate in find_candidates(people, **described)]


# What two records share, and the reason shown to the admin.
REASONS = (("name_key", "name"), ("name_my_key", "name_my"), ("phone_hash", "phone"))
# One round of the walk takes, for each reason, the next groups in key order: at most
# GROUPS_PER_ROUND groups and MEMBERS_PER_ROUND people (whole groups; at least one group).
GROUPS_PER_ROUND = 200
MEMBERS_PER_ROUND = 1000


def suspected_pairs(people: QuerySet[Person], limit: int = 200) -> list[tuple[Person, Person, str]]:
    """Pairs to review: (first, second, why), excluding pairs confirmed as different people.

    The work is bounded by the pairs returned, not by the number of people: only ids, keys and
    birth years of the first groups are read, and full records (with their site) only for the
    people in the pairs returned. Usually one round: 6 queries (see `_pairs`)."""
    people = people.current()
    found = list(islice(_pairs(people), limit))
    by_pk = people.select_related("location").in_bulk({pk for pair in found for pk in pair[:2]})
    return [(by_pk[first], by_pk[second], why) for first, second, why in found]


def _pairs(people: QuerySet[Person]) -> Iterator[tuple[int, int, str]]:
    """(lower id, higher id, why) of every suspected pair, produced round by round while the
    caller asks for more. A round: the next groups of each reason (one query per reason, in
    key order from its index), the ids, keys and birth years of their members (one query),
    the pairs marked as different among them (one query). In a round, pairs come by reason
    (name, Burmese name, phone), then key, then the first id and the second."""
    start_after: dict[str, str | None] = {field: None for field, _why in REASONS}
    seen: set[tuple[int, int]] = set()
    while start_after:
        keys: dict[str, list[str]] = {}
        for field, after in list(start_after.items()):
            keys[field], more = _next_groups(people, field, after)
            if more:
                start_after[field] = keys[field][-1]
            else:
                del start_after[field]
        if not any(keys.values()):
            return
        in_groups = people.filter(
            reduce(or_, (Q(**{f"{field}__in": chosen}) for field, chosen in keys.items() if chosen))
        )
        wanted = {field: set(chosen) for field, chosen in keys.items()}
        members: dict[str, dict[str, list]] = {field: defaultdict(list) for field in keys}
        for pk, birth_year, *values in in_groups.order_by("pk").values_list(
            "pk", "birth_year", *keys
        ):
            for field, value in zip(keys, values, strict=True):
                if value in wanted[field]:
                    members[field][value].append((pk, birth_year))
        different = set(
            DistinctPeople.objects.filter(first__in=in_groups.values("pk")).values_list(
                "first_id", "second_id"
            )
        )
        for field, why in REASONS:
            for key in keys.get(field, []):
                group = members[field][key]
                for pair in _pairs_in_group(group, close_birth_years=why != "phone"):
                    if pair not in different and pair not in seen:
                        seen.add(pair)
                        yield (*pair, why)


def _next_groups(people: QuerySet[Person], field: str, after: str | None) -> tuple[list[str], bool]:
    """The next keys (values of `field`) shared by two people or more, after `after` in key
    order, for one round; and whether more groups may follow. One query."""
    # `> ''` rather than `<> ''`: the index scan starts after the empty keys (most people
    # have no phone) instead of reading and discarding them.
    groups = list(
        people.filter(**{f"{field}__gt": after or ""})
        .order_by(field)
        .values(field)
        .annotate(size=Count("pk"))
        .filter(size__gt=1)
        .values_list(field, "size")[:GROUPS_PER_ROUND]
    )
    keys, members = [], 0
    for key, size in groups:
        if keys and members + size > MEMBERS_PER_ROUND:
            return keys, True
        keys.append(key)
        members += size
    return keys, len(groups) == GROUPS_PER_ROUND


def _pairs_in_group(
    members: list[tuple[int, int | None]], *, close_birth_years: bool
) -> Iterator[tuple[int, int]]:
    """Pairs of one group's members (id, birth year) sorted by id, in the order of
    `combinations`; with `close_birth_years`, only those born within a year of each other
    (or of unknown birth year). Pairs are produced without trying the others: a large group
    costs its size and the pairs taken from it, not its size squared."""
    ids = [pk for pk, _year in members]
    if not close_birth_years:
        yield from combinations(ids, 2)
        return
    by_year: dict[int | None, list[int]] = defaultdict(list)
    for pk, year in members:
        by_year[year].append(pk)
    for pk, year in members:
        if year is None:
            seconds = [ids]
        else:
            seconds = [by_year.get(near, []) for near in (year - 1, year, year + 1, None)]
        later = (_from(second, bisect_right(second, pk)) for second in seconds)
        for second_pk in merge(*later):
            yield pk, second_pk


def _from(ids: list[int], start: int) -> Iterator[int]:
    """ids[start:], without copying the list."""
    return (ids[index] for index in range(start, len(ids)))
