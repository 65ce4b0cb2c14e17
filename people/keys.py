"""Search and matching keys derived from a person's names and phone.

A leaf module (no model import): the model recomputes its keys with it
(`Person.refresh_derived_fields`, used by `rotate_keys` and `rebuild_match_keys`), and so do
the services and the import.
"""

from __future__ import annotations

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


def apply_derived_fields(person: Model) -> None:
    """Set a person's name keys, matching keys and phone hash from its names and phone."""
    person.name_key = burmese.name_key(person.full_name)
    person.name_my_key = burmese.name_my_key(person.name_my)
    person.match_key = matching.match_key(person.full_name)[:200]
    person.match_my_key = matching.match_key(person.name_my)[:200]
    person.phone = normalise_phone(person.phone)
    person.phone_hash = (
        phone_search_hash(person.phone, phone_region(person)) if person.phone else ""
    )
