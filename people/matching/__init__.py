"""Matching keys of people: names as canonical syllables (Latin or Burmese script, word order
ignored) and phones as E.164.

`people.keys.apply_derived_fields` stores them on each person (`match_key`,
`match_my_key`, `phone_hash`); `people.duplicates.find_candidates` and the list search
(`people.selectors.search_people`) look people up by them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

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


@lru_cache(maxsize=20_000)
def syllables(name: str) -> tuple[Syllable, ...]:
    """Canonical syllables of a name in Latin letters, Burmese script or both (in order).
    Cached: a lookup scores dozens of people, often with the same names (and the Zawgyi
    detection of a Burmese name costs a fraction of a millisecond)."""
    if burmese.MYANMAR_CHARACTERS.search(name or ""):
        latin_part = burmese.MYANMAR_CHARACTERS.sub(" ", name)
        return (*latin.syllables(latin_part), *burmese_script.syllables(name))
    return tuple(latin.syllables(name or ""))


def key_of(found: Iterable[Syllable]) -> str:
    """The stored key: the canonical syllables sorted (word order ignored), space-separated."""
    return " ".join(sorted(syllable.canonical for syllable in found))


def match_key(name: str) -> str:
    return key_of(syllables(name))
