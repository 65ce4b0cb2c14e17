"""Helpers shared by the programme services."""

from __future__ import annotations

from people.models import Person


def is_usable(person: Person) -> bool:
    return person.merged_into_id is None and person.status != "closed"
