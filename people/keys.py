"""Search and matching keys derived from a person's names and phone.

A leaf module (no model import): the model recomputes its keys with it
(`Person.refresh_derived_fields`, used by `rotate_keys` and `rebuild_match_keys`), and so do
the services and the import.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

from people import burmese, matching
from portal.fields import search_hash


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")
    return digits


def phone_region(person: Model) -> str:
    """The phone region of the person's site (its country), for numbers written without
    their country code. The site is read if it was not loaded with the person."""
    location_field = type(person)._meta.get_field("location")
    if location_field.is_cached(person):
        location = person.location
    elif person.location_id:
        location = location_field.related_model.objects.filter(pk=person.location_id).first()
    else:
        location = None
    return matching.region_for_country(location.country if location else "")


def phone_search_hash(phone: str, region: str = "") -> str:
    """The stored and searched hash of a phone: of its E.164 form (`matching.phone_key`)."""
    return search_hash(matching.phone_key(phone, region))


NameKeys = tuple[str, str, str, str]  # the values of NAME_KEY_FIELDS, in order
NAME_KEY_FIELDS = ("name_key", "name_my_key", "match_key", "match_my_key")


def name_keys(full_name: str, name_my: str) -> NameKeys:
    """The keys of a person's names: folded for search, and canonical for matching."""
    return (
        burmese.name_key(full_name),
        burmese.name_my_key(name_my),
        matching.match_key(full_name)[:200],
        matching.match_key(name_my)[:200],
    )


class NameKeysMemo:
    """`name_keys` remembered for one job (an import): names repeat in a large file. Kept
    by the job only, so no name outlives it; emptied when `limit` names are held, so that
    a file of distinct names costs a bounded amount of memory."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self._keys: dict[tuple[str, str], NameKeys] = {}

    def __call__(self, full_name: str, name_my: str) -> NameKeys:
        names = (full_name, name_my)
        found = self._keys.get(names)
        if found is None:
            if len(self._keys) >= self.limit:
                self._keys.clear()
            found = self._keys[names] = name_keys(full_name, name_my)
        return found


def apply_derived_fields(
    person: Model, keys_of_names: Callable[[str, str], NameKeys] = name_keys
) -> None:
    """Set a person's name keys, matching keys and phone hash from its names and phone
    (`keys_of_names`: `name_keys`, or a `NameKeysMemo` of it)."""
    person.name_key, person.name_my_key, person.match_key, person.match_my_key = keys_of_names(
        person.full_name, person.name_my
    )
    person.phone = normalise_phone(person.phone)
    person.phone_hash = (
        phone_search_hash(person.phone, phone_region(person)) if person.phone else ""
    )
