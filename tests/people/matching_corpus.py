"""A deterministic labelled corpus for measuring the matching (issue 21): people, records of
the same person written another way (1-3 variations each) and hard negatives (other people
sharing syllables)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from myanmar.converter import convert

from people.matching.table import SYLLABLES

# Name syllables with their Burmese spelling (Unicode): the romaniser must bring each back
# to the canonical syllable (tests/people/test_matching.py checks it syllable by syllable).
BURMESE = {
    "min": "မင်း", "aung": "အောင်", "htet": "ထက်", "kyaw": "ကျော်", "zaw": "ဇော်",
    "hlaing": "လှိုင်", "phyo": "ဖြိုး", "soe": "စိုး", "moe": "မိုး", "myint": "မြင့်",
    "win": "ဝင်း", "khin": "ခင်", "thu": "သူ", "swe": "ဆွေ", "naing": "နိုင်",
    "nyein": "ငြိမ်း", "thein": "သိန်း", "tun": "ထွန်း", "lwin": "လွင်", "myat": "မြတ်",
    "thant": "သန့်", "htaik": "ထိုက်", "kaung": "ကောင်း", "pyae": "ပြည့်", "way": "ဝေ",
    "hnin": "နှင်း", "nwe": "နွေ", "hein": "ဟိန်း", "zin": "ဇင်", "lin": "လင်း",
    "nay": "နေ", "lay": "လေး", "aye": "အေး", "myo": "မျိုး", "kyi": "ကြည်", "han": "ဟန်",
    "yan": "ရန်", "paing": "ပိုင်", "khant": "ခန့်", "sein": "စိန်", "hla": "လှ",
    "san": "စန်း", "wai": None, "thiri": None,
}  # fmt: skip
NAME_SYLLABLES = sorted(canonical for canonical, burmese in BURMESE.items() if burmese)
HONORIFICS = ("U", "Daw", "Ko", "Ma", "Mg", "Maung", "Sai", "Nang", "Saw", "Naw", "Khun",
              "Sayar", "Dr.", "Sgt.", "Cpl", "Capt.", "Pvt", "Lt.")  # fmt: skip
VARIATIONS = ("spelling", "honorific", "word order", "doubled letters", "hyphens/spaces",
              "zawgyi", "burmese script", "phone format", "birth year")  # fmt: skip


@dataclass
class Record:
    """A person as registered or as described at intake."""

    full_name: str
    name_my: str = ""
    birth_year: int | None = None
    sex: str = "unknown"
    phone: str = ""
    syllables: list[str] = field(default_factory=list)


@dataclass
class Intake:
    record: Record
    true_index: int | None  # the registered person it is (None: a hard negative)
    variations: tuple[str, ...] = ()


def _spell(canonical: str) -> str:
    return canonical.capitalize()


def _variant(chance: random.Random, canonical: str) -> str:
    others = [v for v in SYLLABLES[canonical] if v != canonical] or [canonical]
    return chance.choice(others).capitalize()


def _phone(chance: random.Random) -> str:
    return f"+669{chance.randint(0, 9)}{chance.randint(1000000, 9999999)}"


def person(chance: random.Random) -> Record:
    syllables = chance.sample(NAME_SYLLABLES, chance.choice((2, 3, 3, 3)))
    return Record(
        full_name=" ".join(_spell(s) for s in syllables),
        name_my="".join(BURMESE[s] for s in syllables) if chance.random() < 0.6 else "",
        birth_year=chance.randint(1970, 2006),
        sex=chance.choice(("male", "male", "female")),
        phone=_phone(chance) if chance.random() < 0.7 else "",
        syllables=syllables,
    )


def _phone_format(chance: random.Random, phone: str) -> str:
    national = phone[3:]  # +66 9x xxx xxxx
    return chance.choice(
        (
            f"0{national}",
            f"66 {national[:2]} {national[2:5]} {national[5:]}",
            f"+66-{national[:2]}-{national[2:5]}-{national[5:]}",
            f"0{national[:2]} {national[2:5]} {national[5:]}",
        )
    )


def vary(chance: random.Random, original: Record) -> tuple[Record, tuple[str, ...]]:
    """The same person written another way: 1-3 variations that apply to this record."""
    possible = ["spelling", "honorific", "word order", "doubled letters", "hyphens/spaces",
                "burmese script", "birth year"]  # fmt: skip
    if original.name_my:
        possible.append("zawgyi")
    if original.phone:
        possible.append("phone format")
    chosen = tuple(chance.sample(possible, chance.randint(1, 3)))
    words = [_spell(s) for s in original.syllables]
    record = Record(full_name="", birth_year=original.birth_year, sex=original.sex)
    if "spelling" in chosen:
        at = chance.randrange(len(words))
        words[at] = _variant(chance, original.syllables[at])
    if "doubled letters" in chosen:
        at = chance.randrange(len(words))
        if words[at][-1] not in "aeiouy":
            words[at] += words[at][-1]
    if "word order" in chosen:
        words = chance.sample(words, len(words))
    text = " ".join(words)
    if "hyphens/spaces" in chosen:
        text = text.replace(" ", chance.choice(("-", "  ", "", " - ")), 1)
    if "honorific" in chosen:
        text = f"{chance.choice(HONORIFICS)} {text}"
    if "burmese script" in chosen:
        # Typed in Burmese script in the name field; nothing in Latin letters.
        text = "".join(BURMESE[s] for s in original.syllables)
    record.full_name = text
    if "zawgyi" in chosen:
        # Typed on a Zawgyi phone keyboard: the Burmese name only, in both name fields.
        record.name_my = convert(original.name_my, "unicode", "zawgyi")
        record.full_name = record.name_my
    if "phone format" in chosen:
        record.phone = _phone_format(chance, original.phone)
    if "birth year" in chosen:
        record.birth_year = original.birth_year + chance.choice((-1, 1))
    return record, chosen


def hard_negative(chance: random.Random, original: Record) -> Record:
    """Another person whose name shares one or two syllables with `original`."""
    keep = chance.sample(
        original.syllables, min(len(original.syllables) - 1, chance.choice((1, 2)))
    )
    others = [s for s in NAME_SYLLABLES if s not in original.syllables]
    syllables = keep + chance.sample(others, chance.choice((1, 2)))
    chance.shuffle(syllables)
    return Record(
        full_name=" ".join(_spell(s) for s in syllables),
        name_my="".join(BURMESE[s] for s in syllables) if chance.random() < 0.5 else "",
        birth_year=chance.randint(1970, 2006),
        sex=chance.choice(("male", "male", "female")),
        phone=_phone(chance) if chance.random() < 0.5 else "",
        syllables=syllables,
    )


def corpus(seed: int = 21, people: int = 320) -> tuple[list[Record], list[Record], list[Intake]]:
    """(registered people, registered hard negatives, intakes): for each registered person an
    intake of the same person varied and an intake of another person sharing syllables; a
    hard negative of each person is registered too (a distractor for the true intakes)."""
    chance = random.Random(seed)
    registered = [person(chance) for _ in range(people)]
    distractors = [hard_negative(chance, original) for original in registered]
    intakes = []
    for index, original in enumerate(registered):
        record, chosen = vary(chance, original)
        intakes.append(Intake(record, index, chosen))
        intakes.append(Intake(hard_negative(chance, original), None))
    return registered, distractors, intakes
