"""Deterministic demo people for `seed_demo` (and large data sets for benchmarks)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from people import choices
from people.models import CaseNote, Exit, Person
from people.services import apply_derived_fields, reserve_case_numbers
from portal.models import Location, User

SYLLABLES = [
    ("Kyaw", "ကျော်"), ("Min", "မင်း"), ("Oo", "ဦး"), ("Thet", "သက်"), ("Naing", "နိုင်"),
    ("Hla", "လှ"), ("Win", "ဝင်း"), ("Zaw", "ဇော်"), ("Lin", "လင်း"), ("Htet", "ထက်"),
    ("Aung", "အောင်"), ("Myo", "မျိုး"), ("Soe", "စိုး"), ("Tun", "ထွန်း"), ("Phyo", "ဖြိုး"),
    ("Wai", "ဝေ"), ("Yan", "ရန်"), ("Thura", "သူရ"), ("Nyein", "ငြိမ်း"), ("Khin", "ခင်"),
]  # fmt: skip
# Shares close to the organisation's published figures: mostly soldiers, most defected or
# taken prisoner, about 80 % new recruits.
EXIT_TYPES = [("defected", 40), ("surrendered", 6), ("pow", 54)]
AFFILIATIONS = [("soldier", 90), ("police", 3), ("militia", 7)]
RECRUIT = [("new_recruit", 80), ("veteran", 15), ("unknown", 5)]
REGIONS = [value for value, _ in choices.Region.choices]
SITE_WEIGHTS = {"MAE-SOT": 6, "MAE-SARIANG": 3, "NEW-DELHI": 1}
FIRST_EXIT = date(2023, 10, 27)
BATCH = 5000


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _name(rng: random.Random) -> tuple[str, str, str]:
    parts = rng.sample(SYLLABLES, rng.choice([2, 3]))
    return " ".join(p[0] for p in parts), parts[0][0], "".join(p[1] for p in parts)


def seed(count: int, *, created_by: User | None, seed_value: int = 1027, notes: bool = True) -> int:
    """Create `count` people with exits (deterministic for a given seed). Returns the count."""
    rng = random.Random(seed_value)  # noqa: S311 - demo data, not security
    sites = {site.code: site for site in Location.objects.filter(code__in=SITE_WEIGHTS)}
    codes = [code for code in SITE_WEIGHTS if code in sites]
    weights = [SITE_WEIGHTS[code] for code in codes]
    today = timezone.localdate()
    span = (today - FIRST_EXIT).days
    created = 0
    with transaction.atomic():
        while created < count:
            size = min(BATCH, count - created)
            rows = []
            for _ in range(size):
                full_name, preferred, name_my = _name(rng)
                exit_date = FIRST_EXIT + timedelta(days=rng.randrange(span))
                rows.append(
                    (rng.choices(codes, weights)[0], full_name, preferred, name_my, exit_date)
                )
            people = []
            for code in codes:
                site_rows = [row for row in rows if row[0] == code]
                if not site_rows:
                    continue
                numbers = iter(reserve_case_numbers(sites[code], today.year, len(site_rows)))
                for _, full_name, preferred, name_my, exit_date in site_rows:
                    person = Person(
                        case_number=next(numbers),
                        full_name=full_name,
                        preferred_name=preferred,
                        name_my=name_my,
                        sex=rng.choices(["male", "female"], [95, 5])[0],
                        birth_year=rng.randint(1975, 2006),
                        origin_region=rng.choice(REGIONS),
                        location=sites[code],
                        status=rng.choices(
                            ["intake", "active", "resettled", "closed"], [15, 60, 15, 10]
                        )[0],
                        dependants=rng.randint(0, 4),
                        consent_date=exit_date,
                        consent_storing=True,
                        consent_sharing=rng.random() < 0.7,
                        created_by=created_by,
                    )
                    apply_derived_fields(person)
                    person.exit_date_for_seed = exit_date
                    people.append(person)
            Person.objects.bulk_create(people, batch_size=1000)
            exits = []
            for person in people:
                exit_type = _pick(rng, EXIT_TYPES)
                exits.append(
                    Exit(
                        person=person,
                        exit_type=exit_type,
                        affiliation=_pick(rng, AFFILIATIONS),
                        exit_date=person.exit_date_for_seed,
                        recruit_status=_pick(rng, RECRUIT),
                        forcibly_conscripted=rng.choice(["yes", "no", "unknown"]),
                        custody_status="in_custody" if exit_type == "pow" else "",
                        place_region=rng.choice(REGIONS),
                        rank=rng.choice(["Private", "Corporal", "Sergeant", "Lance Corporal"]),
                    )
                )
            Exit.objects.bulk_create(exits, batch_size=1000)
            if notes and created_by is not None:
                CaseNote.objects.bulk_create(
                    [
                        CaseNote(person=p, author=created_by, text="Intake interview done.")
                        for p in people[:50]
                    ]
                )
            created += size
    return created
