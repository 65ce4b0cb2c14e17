"""Burmese text: Zawgyi detection and conversion, and keys for search and duplicates.

Zawgyi is a legacy font encoding that reuses Unicode code points with other meanings; text
typed on many phones and found in old spreadsheets is Zawgyi. Everything is stored as
Unicode: input detected as Zawgyi is converted before it is saved, and the user is told.
"""

import re
import unicodedata
from collections.abc import Iterable, MutableMapping
from functools import cache
from typing import Any

from myanmar.converter import convert
from myanmartools import ZawgyiDetector

ZAWGYI_THRESHOLD = 0.95
MYANMAR_CHARACTERS = re.compile(r"[\u1000-\u109F\uAA60-\uAA7F\uA9E0-\uA9FF]")
INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")


@cache
def _detector() -> ZawgyiDetector:
    return ZawgyiDetector()


def is_zawgyi(text: str) -> bool:
    if not text or not MYANMAR_CHARACTERS.search(text):
        return False
    return _detector().get_zawgyi_probability(text) >= ZAWGYI_THRESHOLD


def to_unicode(text: str) -> tuple[str, bool]:
    """Return (Unicode text, whether it was converted from Zawgyi)."""
    if is_zawgyi(text):
        return unicodedata.normalize("NFC", convert(text, "zawgyi", "unicode")), True
    return unicodedata.normalize("NFC", text or ""), False


def name_key(name: str) -> str:
    """Latin name folded for comparison: case, accents, punctuation and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.findall(r"[^\W_]+", letters.casefold())
    return " ".join(words)


def name_my_key(name: str) -> str:
    """Burmese name for comparison: Unicode (converted from Zawgyi if needed), no spaces."""
    text, _ = to_unicode(name or "")
    return INVISIBLE.sub("", text)


def search_keys(query: str) -> tuple[str, str]:
    """Keys to look a typed query up by: (Latin key, Burmese key)."""
    return name_key(query), name_my_key(query)


def to_unicode_values(
    values: MutableMapping[str, Any], fields: Iterable[str] | None = None
) -> list[str]:
    """Convert the Zawgyi text among `values` (the given fields, else every text) to Unicode
    in place; return the names of the fields that were converted.

    The one conversion of typed text: the services call it on what they save (so the
    admin, commands and tasks convert too), the form and serializer mixins on what the user
    sent (so that the user is told)."""
    converted = []
    for name in list(values) if fields is None else fields:
        value = values.get(name)
        if isinstance(value, str) and value:
            text, was_zawgyi = to_unicode(value)
            if was_zawgyi:
                values[name] = text
                converted.append(name)
    return converted
