"""Save the rows of a checked import file, a batch at a time (see `people.importing`).

The first reading of the file keeps no row: only a `Tally` of what the checks across rows
and the saving need (case numbers given, rows without one per site, counts). The second
reading hands the rows over one at a time; `insert` builds and inserts INSERT_BATCH people
at a time, so the memory of a save does not grow with the number of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.utils import timezone

from people.import_rows import Row
from people.keys import NAME_KEY_FIELDS, NameKeys, apply_derived_fields, name_keys
from people.models import CaseNote, CaseNumberSequence, Exit, Person
from people.services import reserve_case_numbers
from portal.bulk_insert import BulkInserter
from portal.models import Location, User

INSERT_BATCH = 1_000


@dataclass
class Tally:
    """What the first reading keeps of the valid rows: no row itself."""

    given: dict[str, int] = field(default_factory=dict)  # case number → line of its first use
    unnumbered: Counter[str] = field(default_factory=Counter)  # site code → rows to number
    people: int = 0
    exits: int = 0
    notes: int = 0
    conversions: int = 0  # name and text fields converted from Zawgyi
    references: dict[str, int] = field(default_factory=dict)  # reference → line of first use

    def add(self, row: Row) -> None:
        self.people += 1
        self.exits += row.exit is not None
        self.notes += bool(row.note)
        self.conversions += row.conversions
        if not row.case_number:
            self.unnumbered[row.location_code] += 1


def advance_sequences(numbers: Iterable[str]) -> None:
    """Move each site's counter past the case numbers given in the file, so that numbers
    generated later (by this import or by the forms) never collide with them."""
    highest: dict[tuple[str, int], int] = {}
    for number in numbers:
        prefix, year, serial = number.split("-")
        key = (prefix, int(year))
        highest[key] = max(highest.get(key, 0), int(serial))
    for (prefix, year), last in highest.items():
        sequence, _created = CaseNumberSequence.objects.get_or_create(prefix=prefix, year=year)
        CaseNumberSequence.objects.filter(pk=sequence.pk, last__lt=last).update(last=last)


def new_case_numbers(
    unnumbered: Counter[str], sites: dict[str, Location]
) -> dict[str, Iterator[str]]:
    """Case numbers for the rows without one: claimed in one go per site."""
    year = timezone.localdate().year
    return {
        code: iter(reserve_case_numbers(sites[code], year, count))
        for code, count in unnumbered.items()
    }


def insert(
    rows: Iterable[Row],
    sites: dict[str, Location],
    numbers: dict[str, Iterator[str]],
    user: User,
    *,
    person_ids: list[int] | None = None,
    keys_of_names: Callable[[str, str], NameKeys] = name_keys,
) -> set[int]:
    """Insert the people INSERT_BATCH at a time, their exits and notes when a batch of them
    is full: only one batch of rows is alive at any time, and the number of INSERTs (or
    COPYs, on PostgreSQL: `portal.bulk_insert`) is what it would be with every row built at
    once. The ids of the people inserted are appended to `person_ids` when given."""
    inserters = {model: BulkInserter(model) for model in (Person, Exit, CaseNote)}
    exits: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    site_ids: set[int] = set()
    rows = iter(rows)
    while batch := list(islice(rows, INSERT_BATCH)):
        people = [_person(row, sites, numbers, user, keys_of_names) for row in batch]
        ids = inserters[Person].insert(people)
        site_ids.update(person["location_id"] for person in people)
        if person_ids is not None:
            person_ids.extend(ids)
        for person_id, row in zip(ids, batch, strict=True):
            if row.exit:
                exits.append({**row.exit, "person_id": person_id})
            if row.note:
                notes.append({"person_id": person_id, "author_id": user.pk, "text": row.note})
        exits = _flush(inserters[Exit], exits)
        notes = _flush(inserters[CaseNote], notes)
    _flush(inserters[Exit], exits, final=True)
    _flush(inserters[CaseNote], notes, final=True)
    return site_ids


def _flush(inserter: BulkInserter, pending: list, *, final: bool = False) -> list:
    """Insert the full batches of `pending` (all of it when `final`); returns what is left."""
    full = len(pending) if final else len(pending) - len(pending) % INSERT_BATCH
    for start in range(0, full, INSERT_BATCH):
        inserter.insert(pending[start : min(start + INSERT_BATCH, full)])
    return pending[full:]


def _person(
    row: Row,
    sites: dict[str, Location],
    numbers: dict[str, Iterator[str]],
    user: User,
    keys_of_names: Callable[[str, str], NameKeys],
) -> dict[str, Any]:
    """The values of a new person (the others take the model's defaults)."""
    location = sites[row.location_code]
    person = {
        **row.person,
        "location_id": location.pk,
        "case_number": row.case_number or next(numbers[row.location_code]),
        "created_by_id": user.pk,
    }
    # The same search keys as people saved through the forms (`apply_derived_fields`).
    names = keys_of_names(person.get("full_name", ""), person.get("name_my", ""))
    person.update(zip(NAME_KEY_FIELDS, names, strict=True))
    if person.get("phone"):  # no import column today: its hash needs the site's region
        probe = Person(phone=person["phone"], location=location)
        apply_derived_fields(probe, keys_of_names)
        person.update(phone=probe.phone, phone_hash=probe.phone_hash)
    return person
