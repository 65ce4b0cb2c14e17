"""Search and matching keys derived from a person's names and phone.

A leaf module (no model import): the model recomputes its keys with it
(`Person.refresh_derived_fields`, used by `rotate_keys`), and so do the services and the
import.
"""

from __future__ import annotations

from django.db.models import Model

from people import burmese
from portal.fields import search_hash


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")
    return digits


def apply_derived_fields(person: Model) -> None:
    """Set a person's name keys and phone hash from its names and phone."""
    person.name_key = burmese.name_key(person.full_name)
    person.name_my_key = burmese.name_my_key(person.name_my)
    person.phone = normalise_phone(person.phone)
    person.phone_hash = search_hash(person.phone)
