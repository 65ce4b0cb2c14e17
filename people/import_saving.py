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

from django.utils import timezone

from people.import_rows import Row
from people.keys import NameKeys, apply_derived_fields, name_keys
from people.models import CaseNote, CaseNumberSequence, Exit, Person
from people.services import reserve_case_numbers
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
    is full: only one batch of rows and model instances is alive at any time, and the number
    of INSERTs is what it would be with every instance built at once. The ids of the people
    inserted are appended to `person_ids` when given."""
    exits: list[Exit] = []
    notes: list[CaseNote] = []
    site_ids: set[int] = set()
    rows = iter(rows)
    while batch := list(islice(rows, INSERT_BATCH)):
        people = [_person(row, sites, numbers, user, keys_of_names) for row in batch]
        Person.objects.bulk_create(people, batch_size=INSERT_BATCH)
        site_ids.update(person.location_id for person in people)
        if person_ids is not None:
            person_ids.extend(person.pk for person in people)
        for person, row in zip(people, batch, strict=True):
            if row.exit:
                exits.append(Exit(person=person, **row.exit))
            if row.note:
                notes.append(CaseNote(person=person, author=user, text=row.note))
        exits = _flush(Exit, exits)
        notes = _flush(CaseNote, notes)
    _flush(Exit, exits, final=True)
    _flush(CaseNote, notes, final=True)
    return site_ids


def _flush(model: type[Exit] | type[CaseNote], pending: list, *, final: bool = False) -> list:
    """Insert the full batches of `pending` (all of it when `final`); returns what is left."""
    full = len(pending) if final else len(pending) - len(pending) % INSERT_BATCH
    if full:
        model.objects.bulk_create(pending[:full], batch_size=INSERT_BATCH)
    return pending[full:]


def _person(
    row: Row,
    sites: dict[str, Location],
    numbers: dict[str, Iterator[str]],
    user: User,
    keys_of_names: Callable[[str, str], NameKeys],
) -> Person:
    location = sites[row.location_code]
    number = row.case_number or next(numbers[row.location_code])
    person = Person(**row.person, location=location, case_number=number, created_by=user)
    apply_derived_fields(
        person, keys_of_names
    )  # the same search keys as people saved through the forms
    return person
