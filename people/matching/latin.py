"""A Latin-letter name as canonical syllables: folded (case, accents, doubled consonants),
honorifics, titles and ranks taken off the front, each syllable spelt the canonical way."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from people.matching.table import SYLLABLES

# Honorifics, titles and ranks: taken off the front of a name, as many as there are, but
# never the last word (a name of one word that is also an honorific stays: "Ma" alone is
# someone's name). Folded like names ("Mg." -> "mg").
HONORIFICS = frozenset(
    {
        # Burmese honorifics (men, women, boys, girls, teachers) and ethnic prefixes
        "u", "daw", "ko", "ma", "maung", "mg", "mya", "sai", "nang", "saw", "naw", "nan",
        "khun", "sayar", "saya", "sayama", "sayamagyi", "bo", "ashin", "shin",
        # English titles
        "dr", "mr", "mrs", "ms", "miss", "mister",
        # Military ranks (Tatmadaw and English), abbreviated and in full
        "pvt", "private", "pte", "lcpl", "cpl", "corporal", "lance", "sgt", "sergeant",
        "ssgt", "wo", "warrant", "officer", "lt", "lieutenant", "capt", "captain",
        "maj", "major", "col", "colonel", "ltcol", "brig", "brigadier", "gen", "general",
        "cdr", "commander", "adm", "admiral",
        # Police ranks
        "pc", "constable", "hc", "si", "inspector", "insp", "pol", "police", "ssp", "sp",
    }
)  # fmt: skip
_DOUBLED = re.compile(r"([b-df-hj-np-tv-z])\1+|([aiu])\2+")
WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Syllable:
    """One syllable of a name: as written (for the reasons shown) and canonical."""

    written: str
    canonical: str


@lru_cache(maxsize=50_000)
def fold(text: str) -> str:
    """Lower case, no accents, doubled consonants (and aa, ii, uu) single: "Thett" -> "thet".
    "oo" and "ee" are kept: they are how a vowel is written ("Htoo", "Kyee")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _DOUBLED.sub(lambda match: match.group(1) or match.group(2), letters)


@cache
def _folded_honorifics() -> frozenset[str]:
    return frozenset(fold(honorific) for honorific in HONORIFICS)


@cache
def _variants() -> dict[str, str]:
    """Folded variant -> canonical syllable, from the table."""
    found: dict[str, str] = {}
    for canonical, variants in SYLLABLES.items():
        for variant in (canonical, *variants):
            found.setdefault(fold(variant), canonical)
    return found


def canonical(word: str) -> str | None:
    """The canonical spelling of one folded syllable, None if the table does not know it."""
    return _variants().get(word)


def split_word(word: str) -> list[str] | None:
    """A folded word of several syllables written together ("minaung", "thiha") as the
    syllables of the table, the longest first syllable that lets the rest split too; None
    if it cannot be split so."""
    if not word:
        return []
    known = _variants()
    for end in range(min(len(word), 8), 0, -1):
        head = word[:end]
        if head in known and (rest := split_word(word[end:])) is not None:
            return [head, *rest]
    return None


def words(name: str) -> list[tuple[str, str]]:
    """(written, folded) words of a name: hyphens, dots, digits and spaces separate."""
    decomposed = unicodedata.normalize("NFKC", name or "")
    return [(word, fold(word)) for word in WORD.findall(decomposed)]


def strip_honorifics(folded: list[str]) -> int:
    """How many words at the front are honorifics, titles or ranks (never all of them)."""
    honorifics = _folded_honorifics()
    count = 0
    while count < len(folded) - 1 and folded[count] in honorifics:
        count += 1
    return count


_CAMEL = re.compile(r"[A-Z][a-z]+")


def _camel_case_split(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """ "KhantThane" as "Khant" "Thane": written together, capitals still show the syllables
    (folding first would make one "tt" of "Khant" + "Thane")."""
    result = []
    for written, folded in found:
        parts = _CAMEL.findall(written)
        if len(parts) > 1 and "".join(parts) == written:
            result.extend((part, fold(part)) for part in parts)
        else:
            result.append((written, folded))
    return result


def syllables(name: str) -> list[Syllable]:
    """The canonical syllables of a Latin name, in the written order."""
    found = words(name)
    start = strip_honorifics([folded for _written, folded in found])
    result = []
    for written, folded in _camel_case_split(found[start:]):
        known = canonical(folded)
        if known:
            result.append(Syllable(written, known))
            continue
        parts = split_word(folded)
        if parts and len(parts) > 1:
            result.extend(Syllable(part.capitalize(), canonical(part) or part) for part in parts)
        else:
            # Not a known syllable: kept as folded, so that it still matches itself.
            result.append(Syllable(written, folded))
    return result
