"""Possible duplicates: the same normalised name (Latin or Burmese) and birth year ±1, or the
same phone number."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from django.db.models import Count, Q, QuerySet

from people import burmese
from people.models import DistinctPeople, Person
from people.services import normalise_phone
from portal.fields import search_hash


def _birth_years_close(first: int | None, second: int | None) -> bool:
    return first is None or second is None or abs(first - second) <= 1


def candidates_for(
    people: QuerySet[Person],
    *,
    full_name: str = "",
    name_my: str = "",
    birth_year: int | None = None,
    phone: str = "",
    exclude_pk: int | None = None,
) -> list[Person]:
    """People in `people` who may be the person described (shown before saving)."""
    condition = Q(pk__in=[])
    name_key, name_my_key = burmese.name_key(full_name), burmese.name_my_key(name_my)
    if name_key:
        condition |= Q(name_key=name_key)
    if name_my_key:
        condition |= Q(name_my_key=name_my_key)
    phone_digits = normalise_phone(phone)
    if phone_digits:
        condition |= Q(phone_hash=search_hash(phone_digits))
    matches = people.filter(condition, merged_into__isnull=True).exclude(pk=exclude_pk)
    found = []
    for person in matches.select_related("location")[:20]:
        same_phone = phone_digits and person.phone_hash == search_hash(phone_digits)
        if same_phone or _birth_years_close(person.birth_year, birth_year):
            found.append(person)
    return found


def suspected_pairs(people: QuerySet[Person], limit: int = 200) -> list[tuple[Person, Person, str]]:
    """Pairs to review: (first, second, why), excluding pairs confirmed as different people."""
    people = people.filter(merged_into__isnull=True)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for field, why in (("name_key", "name"), ("name_my_key", "name_my"), ("phone_hash", "phone")):
        shared = (
            people.exclude(**{field: ""})
            .values(field)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list(field, flat=True)
        )
        for pk, value in people.filter(**{f"{field}__in": shared}).values_list("pk", field):
            groups[(why, value)].append(pk)
    by_pk = Person.objects.select_related("location").in_bulk(
        {pk for members in groups.values() for pk in members}
    )
    distinct = set(
        DistinctPeople.objects.filter(first__in=by_pk).values_list("first_id", "second_id")
    )
    pairs, seen = [], set()
    for (why, _value), members in groups.items():
        for first_pk, second_pk in combinations(sorted(members), 2):
            first, second = by_pk[first_pk], by_pk[second_pk]
            if (first_pk, second_pk) in distinct or (first_pk, second_pk) in seen:
                continue
            if why != "phone" and not _birth_years_close(first.birth_year, second.birth_year):
                continue
            seen.add((first_pk, second_pk))
            pairs.append((first, second, why))
            if len(pairs) >= limit:
                return pairs
    return pairs
