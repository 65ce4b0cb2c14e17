"""Looking up the people who may be the one described, and scoring them with reasons.

One query fetches a bounded pool by index: the same matching key (Latin or Burmese name,
word order and spelling variants folded: `people.matching`), the same phone (hash of E.164),
the same Burmese name; and on PostgreSQL the nearest other keys by trigram distance (a GiST
index walked in distance order), on SQLite the people sharing an uncommon syllable. The
pool is then scored in Python from the evidence given (name syllables, phone, birth year,
sex, origin region, exit date); `people.duplicates.find_candidates` ranks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Abs
from django.utils.translation import gettext as _

from people import burmese, matching
from people.keys import phone_search_hash
from people.matching import latin
from people.models import Exit, Person

# At most this many people are read and scored per lookup (the best few are kept).
POOL = 60
# ... and this many more on PostgreSQL per key: the nearest other keys by trigram.
NEAREST = 10
# Syllables most names have: a shared one says little, so none is looked up alone.
COMMON_SYLLABLES = frozenset(
    {"aung", "min", "kyaw", "htet", "win", "khin", "zaw", "soe", "moe", "myint", "thu", "oo",
     "aye", "tun", "hlaing", "naing", "myo", "phyo", "thein", "ko", "ma", "mya", "maung",
     "san", "nay", "lin", "zin", "kyi", "hla", "thant", "way", "swe", "nwe", "lwin", "myat"}
)  # fmt: skip
RARE_SYLLABLES_LOOKED_UP = 2
# A candidate on its name alone shares this much of its syllables with the one described.
NAME_ALONE = 0.6
KEEP_FROM = 0.75
BIRTH_YEARS_CLOSE = 2


def _phone_hashes(phone: str, region: str) -> frozenset[str]:
    """The hash of the phone read in `region`; without a region (a caller that does not know
    the site), read in each region of the portal's sites, as the list search does."""
    if not phone.strip():
        return frozenset()
    regions = [region] if region else sorted({*matching.COUNTRY_REGIONS.values()})
    return frozenset(phone_search_hash(phone, each) for each in regions) - {""}


@dataclass(frozen=True)
class Described:
    """What is known of the person being registered, folded once."""

    names: list[tuple[matching.Syllable, ...]]
    keys: set[str]
    name_my_key: str
    phone_hashes: frozenset[str]
    birth_year: int | None
    sex: str
    origin_region: str
    exit_date: date | None

    @classmethod
    def of(
        cls,
        *,
        full_name: str,
        name_my: str,
        birth_year: int | None,
        phone: str,
        sex: str,
        origin_region: str,
        exit_date: date | None,
        region: str,
    ) -> Described:
        written = (full_name or "", name_my or "")
        names = [found for found in map(matching.syllables, written) if found]
        return cls(
            names=names,
            keys={matching.key_of(found) for found in names},
            name_my_key=burmese.name_my_key(name_my or ""),
            phone_hashes=_phone_hashes(phone, region),
            birth_year=birth_year,
            sex="" if sex == "unknown" else sex,
            origin_region=origin_region,
            exit_date=exit_date,
        )

    def rare_syllables(self) -> list[str]:
        """The uncommon syllables of the names, longest first (a rough rarity)."""
        found = {s.canonical for name in self.names for s in name}
        rare = sorted(found - COMMON_SYLLABLES, key=lambda syllable: (-len(syllable), syllable))
        return rare[:RARE_SYLLABLES_LOOKED_UP]


def _has_syllable(field: str, syllable: str) -> Q:
    """The key (sorted syllables, space-separated) holds this syllable as a whole word."""
    return (
        Q(**{field: syllable})
        | Q(**{f"{field}__startswith": f"{syllable} "})
        | Q(**{f"{field}__endswith": f" {syllable}"})
        | Q(**{f"{field}__contains": f" {syllable} "})
    )


def _strong(described: Described) -> Q:
    """The same whole key (either name, either script), Burmese name or phone."""
    strong = Q(pk__in=[])
    if described.keys:
        strong |= Q(match_key__in=described.keys) | Q(match_my_key__in=described.keys)
    if described.name_my_key:
        strong |= Q(name_my_key=described.name_my_key)
    if described.phone_hashes:
        strong |= Q(phone_hash__in=described.phone_hashes)
    return strong


def _closest_first(described: Described) -> list:
    """Order of the strong matches when there are more than the pool holds: the same phone
    first, then the nearest birth years (a common name may be shared by hundreds)."""
    order = []
    if described.phone_hashes:
        same_phone = When(phone_hash__in=described.phone_hashes, then=Value(0))
        order.append(Case(same_phone, default=Value(1), output_field=IntegerField()).asc())
    if described.birth_year:
        order.append(Abs(F("birth_year") - described.birth_year).asc(nulls_last=True))
    return [*order, "-pk"]


def _nearest_keys(people: QuerySet[Person], field: str, key: str) -> QuerySet:
    """Ids of the people whose key is nearest to `key` by trigram distance (other keys than
    `key` itself): PostgreSQL walks its GiST trigram index in distance order and stops
    after NEAREST rows, however many people share syllables."""
    distance = Func(
        F(field), Value(key), function="", arg_joiner=" <-> ", output_field=FloatField()
    )
    nearest = people.exclude(**{field: key}).exclude(**{field: ""})
    return nearest.alias(distance=distance).order_by("distance").values("pk")[:NEAREST]


def pool(people: QuerySet[Person], described: Described) -> list[Person]:
    """The people worth scoring, at most POOL + nearest keys, in one query: those sharing a
    whole key, the Burmese name or the phone (closest first when there are many); on
    PostgreSQL the nearest keys by trigram distance, on SQLite those sharing an uncommon
    syllable."""
    strong = _strong(described)
    latest_exit = Exit.objects.filter(person=OuterRef("pk")).order_by("-exit_date", "-id")
    with_exit = Subquery(latest_exit.values("exit_date")[:1])
    if connection.vendor == "postgresql":
        parts = [people.filter(strong).order_by(*_closest_first(described)).values("pk")[:POOL]]
        # The nearest Latin keys only: a Burmese-only record has its romanised name as its
        # Latin key too, and a second walk would double the time for few other people.
        parts += [_nearest_keys(people, "match_key", key) for key in sorted(described.keys)]
        chosen = Person.objects.filter(pk__in=parts[0].union(*parts[1:], all=True))
        return list(chosen.select_related("location").annotate(latest_exit_date=with_exit))
    weak = Q(pk__in=[])
    for syllable in described.rare_syllables():
        weak |= _has_syllable("match_key", syllable) | _has_syllable("match_my_key", syllable)
    strong_first = Case(When(strong, then=Value(0)), default=Value(1), output_field=IntegerField())
    matches = (
        people.filter(strong | weak)
        .select_related("location")
        .annotate(latest_exit_date=with_exit)
        .order_by(strong_first.asc(), *_closest_first(described))
    )
    return list(matches[: POOL + NEAREST])


# Syllables that are also honorifics: one record may have kept as a name what the other
# wrote as a title ("Oo Kyaw" / "ဦးကျော်", "Ko Ko Aung" / "Ko Aung").
HONORIFIC_SYLLABLES = frozenset({"oo", "daw", "ko", "ma", "maung", "mya", "sai", "nang", "saw",
                                 "naw", "nan", "khun", "bo"})  # fmt: skip


def _counts(syllables: Sequence[matching.Syllable]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for syllable in syllables:
        counts[syllable.canonical] = counts.get(syllable.canonical, 0) + 1
    return counts


def _overlap(first: Sequence[matching.Syllable], second: Sequence[matching.Syllable]) -> float:
    """Share of syllables in common (of the longer name), a syllable that may be an
    honorific and is found on one side only not counted."""
    ours, theirs = _counts(first), _counts(second)
    shared = sum(min(count, theirs.get(syllable, 0)) for syllable, count in ours.items())
    if not shared:
        return 0.0

    def length(counts: dict[str, int], other: dict[str, int]) -> int:
        alone = sum(
            count - min(count, other.get(syllable, 0))
            for syllable, count in counts.items()
            if syllable in HONORIFIC_SYLLABLES
        )
        return sum(counts.values()) - alone

    return shared / max(length(ours, theirs), length(theirs, ours))


def _alike(first: Sequence[matching.Syllable], second: Sequence[matching.Syllable]) -> list[str]:
    """ "Htet ≈ Thet": syllables written differently that are the same syllable."""
    written = {s.canonical: s.written for s in second}
    pairs = []
    for syllable in first:
        other = written.get(syllable.canonical)
        if other and latin.fold(other) != latin.fold(syllable.written):
            pairs.append(f"{syllable.written} ≈ {other}")
    return pairs


def _stored(key: str) -> tuple[matching.Syllable, ...]:
    return tuple(matching.Syllable(part, part) for part in key.split())


def _their_names(person: Person) -> tuple[tuple[matching.Syllable, ...], ...]:
    """A candidate's names as syllables: the Latin name read again (its spellings name the
    syllables that sound alike), a name in Burmese script from its stored key (reading it
    again would run the Zawgyi detection for every candidate)."""
    if burmese.MYANMAR_CHARACTERS.search(person.full_name):
        latin_name = _stored(person.match_key)
    else:
        latin_name = matching.syllables(person.full_name)
    return latin_name, _stored(person.match_my_key)


def _name_evidence(described: Described, person: Person) -> tuple[float, list[str]]:
    theirs = [found for found in _their_names(person) if found]
    best, best_pair = 0.0, None
    for ours in described.names:
        for other in theirs:
            overlap = _overlap(ours, other)
            if overlap > best:
                best, best_pair = overlap, (ours, other)
    reasons = []
    if described.name_my_key and described.name_my_key == person.name_my_key:
        reasons.append(_("same Burmese name"))
    elif best_pair:
        ours, other = best_pair
        alike = _alike(ours, other)
        if alike:
            reasons.append(_("names sound alike: %(pairs)s") % {"pairs": ", ".join(alike[:3])})
        elif best == 1:
            reasons.append(_("same name"))
        else:
            reasons.append(_("similar name"))
    return best, reasons


def score(described: Described, person: Person) -> tuple[float, tuple[str, ...]] | None:
    """(score, reasons) of one person of the pool; None if the evidence is too weak."""
    name, reasons = _name_evidence(described, person)
    same_phone = person.phone_hash in described.phone_hashes
    same_burmese = bool(described.name_my_key) and described.name_my_key == person.name_my_key
    if not same_phone and not same_burmese and name < NAME_ALONE:
        return None
    total = max(name, 1.0 if same_burmese else 0.0)
    if same_phone:
        reasons.insert(0, _("same phone"))
        total += 1.0
    if described.birth_year and person.birth_year:
        difference = abs(described.birth_year - person.birth_year)
        if difference == 0:
            total += 0.2
            reasons.append(_("same birth year"))
        elif difference <= BIRTH_YEARS_CLOSE:
            total += 0.1
            reasons.append(
                _("birth year %(ours)s vs %(theirs)s")
                % {"ours": described.birth_year, "theirs": person.birth_year}
            )
        else:
            total -= 0.6
    if described.sex and person.sex != "unknown":
        total += 0.05 if described.sex == person.sex else -0.4
    if described.origin_region and person.origin_region:
        if described.origin_region == person.origin_region:
            total += 0.1
            reasons.append(_("same region of origin"))
        else:
            total -= 0.05
    exit_date = getattr(person, "latest_exit_date", None)
    if described.exit_date and exit_date and abs((described.exit_date - exit_date).days) <= 31:
        total += 0.1
        reasons.append(_("exit dates within a month"))
    if total < KEEP_FROM:
        return None
    return total, tuple(reasons)
