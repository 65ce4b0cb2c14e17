"""A Burmese-script name as the canonical syllables of its romanisation.

Unicode-normalised and converted from Zawgyi (`people.burmese.to_unicode`), cut into
syllables (a syllable starts at a consonant or independent vowel that carries no asat or
virama: a stacked consonant closes the syllable before it), and each syllable romanised
from its initial (consonant and medials) and rhyme (vowel signs and final) with the
common practice of names (MLC-based: ထ ht, သ th, ကျ ky,
ရှ sh, ောင် aung, ...). The Latin result is then looked up in the same table as typed
names (`latin.canonical`), so "ထက်" and "Htet", "သက်" and "Thet" (one key) meet.
"""

from __future__ import annotations

import re
import unicodedata

from myanmar.converter import convert

from people import burmese
from people.matching import latin

_TONES = re.compile("[\u1037\u1038\u200b\u200c\u200d]")
_SYLLABLE_START = re.compile("([\u1000-\u102a\u103f\u104c-\u104f])(?!\u1037?[\u103a\u1039])")
_NOT_BURMESE = re.compile("[^\u1000-\u104f]+")
ASAT, VIRAMA = "\u103a", "\u1039"
MEDIAL_Y, MEDIAL_R, MEDIAL_W, MEDIAL_H = "\u103b", "\u103c", "\u103d", "\u103e"

INITIALS = {
    "က": "k", "ခ": "kh", "ဂ": "g", "ဃ": "g", "င": "ng", "စ": "s", "ဆ": "s", "ဇ": "z",
    "ဈ": "z", "ည": "ny", "ဉ": "ny", "ဋ": "t", "ဌ": "ht", "ဍ": "d", "ဎ": "d", "ဏ": "n",
    "တ": "t", "ထ": "ht", "ဒ": "d", "ဓ": "d", "န": "n", "ပ": "p", "ဖ": "ph", "ဗ": "b",
    "ဘ": "b", "မ": "m", "ယ": "y", "ရ": "y", "လ": "l", "ဝ": "w", "သ": "th", "ဟ": "h",
    "ဠ": "l", "အ": "",
}  # fmt: skip
# Independent vowels (a whole syllable, or its start).
INDEPENDENT = {"ဣ": "i", "ဤ": "i", "ဥ": "u", "ဦ": "u", "ဧ": "e", "ဩ": "aw", "ဪ": "aw", "ဿ": "th"}
# Consonant + medial ya (ျ or ြ): the usual spellings ("Kyaw", "Gyi", "Phyo", "Nyein").
WITH_Y = {"k": "ky", "kh": "ch", "g": "gy", "p": "py", "ph": "phy", "b": "by", "m": "my",
          "l": "ly", "ng": "ny", "h": "sh", "s": "s", "y": "y", "z": "z", "t": "ty"}  # fmt: skip
# The rhyme: vowel signs and final consonant (with asat), the tone marks taken off.
RHYMES = {
    "": "a", "ာ": "a", "ါ": "a", "ိ": "i", "ီ": "i", "ု": "u", "ူ": "u", "ေ": "e", "ဲ": "e",
    "ော": "aw", "ေါ": "aw", "ော်": "aw", "ေါ်": "aw", "ို": "o", "ံ": "an", "ုံ": "on",
    "ိံ": "ein", "က်": "et", "ိုက်": "aik", "ောက်": "auk", "ေါက်": "auk", "ိက်": "eik",
    "င်": "in", "ိုင်": "aing", "ောင်": "aung", "ေါင်": "aung", "ုင်": "ong", "ဉ်": "in",
    "ည်": "i", "ိည်": "i", "စ်": "it", "ိစ်": "eik", "န်": "an", "ိန်": "ein", "ုန်": "on",
    "ဏ်": "an", "တ်": "at", "ိတ်": "eik", "ုတ်": "ok", "ပ်": "at", "ိပ်": "eik",
    "ုပ်": "ok", "မ်": "an", "ိမ်": "ein", "ုမ်": "on", "ယ်": "e", "ွယ်": "we", "ဟ်": "",
    "ော့": "aw", "ည့်": "ae",
}  # fmt: skip
# Finals that end in a nasal take a "t" with the creaky tone (့): မြင့် Myint, သန့် Thant.
_CREAKY_NASAL = {"in": "int", "an": "ant", "ein": "eint", "on": "ont"}
# After medial wa, these finals read -un / -ut: ထွန်း Htun, ဝွတ် Wut.
_W_FINALS = {"န်": "un", "တ်": "ut", "မ်": "un", "ပ်": "ut", "ံ": "un"}
# Burmese honorifics and titles at the front (as written after Zawgyi conversion).
HONORIFICS = ("ဦး", "ဒေါ်", "ကို", "မောင်", "မ", "စိုင်း", "နန်း", "စော", "နော်", "ခွန်",
              "ဆရာမ", "ဆရာ", "ဒေါက်တာ", "ဗိုလ်")  # fmt: skip


def split_syllables(text: str) -> list[str]:
    """Syllables of Burmese text (spaces and punctuation dropped)."""
    burmese_only = _NOT_BURMESE.sub(" ", text)
    marked = _SYLLABLE_START.sub(lambda match: "|" + match.group(1), burmese_only)
    return [part for part in re.split(r"[|\s]+", marked) if part]


def romanise_syllable(syllable: str) -> str:
    """One syllable in Latin letters (common practice of names)."""
    syllable = syllable.replace(VIRAMA, ASAT)  # a stacked consonant closes the syllable
    creaky = "\u1037" in syllable
    rest = _TONES.sub("", syllable)
    if not rest:
        return ""
    first = rest[0]
    if first in INDEPENDENT:
        return (
            INDEPENDENT[first] + romanise_syllable("အ" + rest[1:])
            if rest[1:]
            else INDEPENDENT[first]
        )
    if first not in INITIALS:
        return ""
    initial, rest = INITIALS[first], rest[1:]
    medial_w = False
    while rest and rest[0] in (MEDIAL_Y, MEDIAL_R, MEDIAL_W, MEDIAL_H):
        mark, rest = rest[0], rest[1:]
        if mark in (MEDIAL_Y, MEDIAL_R):
            initial = WITH_Y.get(initial, initial + "y")
        elif mark == MEDIAL_W:
            medial_w = True
        elif initial in ("y", "sh"):
            initial = "sh"
        else:
            initial = "h" + initial
    if medial_w and rest in _W_FINALS:
        rhyme = _W_FINALS[rest]
    else:
        rhyme = RHYMES.get(rest)
        if rhyme is None:
            rhyme = RHYMES.get(rest.rstrip(ASAT)[:-1] + rest[-2:] if len(rest) > 1 else "", "")
        if medial_w:
            initial += "w"
    if creaky:
        rhyme = _CREAKY_NASAL.get(rhyme, rhyme)
    return initial + rhyme


def _strip_honorifics(parts: list[str]) -> list[str]:
    """Honorifics at the front (one or two syllables each), never the whole name."""
    changed = True
    while changed:
        changed = False
        for honorific in HONORIFICS:
            pieces = split_syllables(honorific)
            if len(parts) > len(pieces) and parts[: len(pieces)] == pieces:
                parts, changed = parts[len(pieces) :], True
                break
    return parts


# Code points Zawgyi uses for its stacked and combined forms (Unicode gives them to Shan,
# Mon and Karen letters, which Burmese names do not use).
_ZAWGYI_FORMS = re.compile("[\u1060-\u1097]")
# A vowel sign E typed before its consonant (Zawgyi's order; not after a consonant or a
# medial, where Unicode has it): Unicode writes it after.
_E_FIRST = re.compile("(?<![\u1000-\u1021\u103b-\u103e])\u1031([\u1000-\u1021])([\u103b-\u103e]*)")


def _as_unicode(text: str) -> str:
    """Unicode for matching: converted from Zawgyi when detected (`burmese.to_unicode`), and
    also when a short name is not detected but holds Zawgyi-only forms; a vowel sign E left
    before its consonant is put after it. The stored name is not changed here."""
    converted, was_zawgyi = burmese.to_unicode(text)
    if not was_zawgyi and _ZAWGYI_FORMS.search(converted):
        converted = unicodedata.normalize("NFC", convert(converted, "zawgyi", "unicode"))
    converted = converted.replace("\u102f\u102d", "\u102d\u102f")  # ု ိ typed as ို
    return _E_FIRST.sub(lambda match: match.group(1) + match.group(2) + "\u1031", converted)


def syllables(name: str) -> list[latin.Syllable]:
    """The canonical syllables of a Burmese-script name."""
    text = _as_unicode(name or "")
    result = []
    for part in _strip_honorifics(split_syllables(text)):
        written = romanise_syllable(part)
        if written:
            result.append(latin.Syllable(part, latin.canonical(written) or written))
    return result
