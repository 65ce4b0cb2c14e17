"""Matching keys of people: names as canonical syllables (Latin or Burmese script, word order
ignored) and phones as E.164.

`people.keys.apply_derived_fields` stores them on each person (`match_key`,
`match_my_key`, `phone_hash`); `people.duplicates.find_candidates` and the list search
(`people.selectors.search_people`) look people up by them.
"""

from __future__ import annotations

from people import burmese
from people.matching import burmese_script, latin
from people.matching.latin import Syllable
from people.matching.phones import COUNTRY_REGIONS, is_readable, phone_key, region_for_country

__all__ = [
    "COUNTRY_REGIONS",
    "Syllable",
    "is_readable",
    "key_of",
    "match_key",
    "phone_key",
    "region_for_country",
    "syllables",
]


def syllables(name: str) -> list[Syllable]:
    """Canonical syllables of a name in Latin letters, Burmese script or both (in order)."""
    if burmese.MYANMAR_CHARACTERS.search(name or ""):
        latin_part = burmese.MYANMAR_CHARACTERS.sub(" ", name)
        return latin.syllables(latin_part) + burmese_script.syllables(name)
    return latin.syllables(name)


def key_of(found: list[Syllable]) -> str:
    """The stored key: the canonical syllables sorted (word order ignored), space-separated."""
    return " ".join(sorted(syllable.canonical for syllable in found))


def match_key(name: str) -> str:
    return key_of(syllables(name))
