"""Likely duplicates of an import's rows: against the people already registered (every
site, through `people.duplicates.find_candidates`) and between the file's own lines (the
same keys the matching computes, `people.keys.apply_derived_fields`, or the same reference).

The importer decides per line: skip it, or import it as a new person. A line with a likely
duplicate and no decision stops the import before anything is saved (the report lists them
with a form to decide), so that nobody is registered twice by accident. Candidates at the
importer's own sites are shown with their case numbers and reasons; at another site only
that one exists: the admins review those pairs (queued once the people are saved).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from people.import_report import LineDuplicates, RowError
from people.import_rows import Row
from people.keys import NAME_KEY_FIELDS, NameKeys, apply_derived_fields, name_keys
from people.models import Person
from people.selectors import duplicate_candidates_for
from portal.models import User

SKIP, NEW = "skip", "new"
DECISIONS = (SKIP, NEW)
CANDIDATES_PER_LINE = 5
# The keys `apply_derived_fields` computes that say who a person is, by kind: keys of one
# kind are compared with each other. The canonical syllables (`people.matching`: spelling
# variants, honorifics, word order) of a Latin name and of a Burmese one are one kind, so a
# line's "Mg Min Aung Thett" meets a record's "Min Aung Htet" or its Burmese-script name; the
# Burmese name as written and the phone (should a file ever carry one) are kinds of their own.
# For names, the birth years must also be within two years.
KEY_KINDS = {
    "syllables": ("match_key", "match_my_key"),
    "name_my": ("name_my_key",),
    "phone": ("phone_hash",),
}
NAME_KINDS = ("syllables", "name_my")
BIRTH_YEARS_APART = 2
LOOKUP_BATCH = 900  # stays under SQLite's limit of query parameters


class Decisions(dict):
    """line → "skip" or "new", as the importer chose; `default` for the other lines (None:
    undecided). A default of "new" says "import every line as a new person" for a file whose
    report was read (used by the benchmark's large files)."""

    def __init__(self, chosen: Mapping[int, str], default: str | None = None):
        super().__init__(chosen)
        self.default = default

    def get(self, line: int, fallback: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(line, self.default if self.default is not None else fallback)


class DuplicateFinder:
    """Likely duplicates of the valid rows, in three steps that keep no row and make no query
    per row: `add` each row at the first reading (its keys, for the lines of the same person
    in the file); `lines_to_look_up`, the lines whose keys or reference some current person
    has (a query per key kind and batch); `look_up` those rows, read again, with
    `find_candidates` (scores and reasons; only for the lines with a likely duplicate)."""

    def __init__(
        self,
        user: User,
        keys_of_names: Callable[[str, str], NameKeys] = name_keys,
        listed: Callable[[int], bool] = lambda line: True,
    ):
        self.user = user
        self.keys_of_names = keys_of_names
        # The lines whose duplicates in the file are listed (`found`); the others (decided
        # by default) are only counted, in `unlisted`: no entry and no list for each.
        self.listed = listed
        self.unlisted: set[int] = set()
        self.found: dict[int, LineDuplicates] = {}
        # (key kind, key) → the lines with it and their birth years, packed (`_pack`): one
        # machine word per line and key in an array, not a tuple of two objects (a file of
        # 100,000 lines has 300,000 of them)
        self.lines_by_key: dict[tuple[str, str], array[int]] = defaultdict(lambda: array("q"))
        self.references: dict[str, int] = {}  # reference → line
        self.held_references: dict[int, str] = {}  # line → reference of a current person
        self.person_ids: set[int] = set()  # people shown to the importer (for the audit)

    def add(self, row: Row) -> None:
        values = row.person
        keys = self._keys(values)
        birth_year = values.get("birth_year")
        same = set()
        for kind, fields in KEY_KINDS.items():
            for key in {keys.get(field, "") for field in fields} - {""}:
                # `_unpack` written out: this loop runs for every pair of lines with a key in
                # common (millions in a large file of common names).
                by_year = kind in NAME_KINDS and birth_year is not None
                for packed in self.lines_by_key[(kind, key)]:
                    other_year = packed & YEAR_MASK
                    if (
                        not by_year
                        or not other_year
                        or abs(birth_year - other_year) <= BIRTH_YEARS_APART
                    ):
                        same.add(packed >> YEAR_BITS)
                self.lines_by_key[(kind, key)].append(_pack(row.line, birth_year))
        if reference := values.get("reference", ""):
            self.references[reference] = row.line
        for other_line in sorted(same):
            self._same_person(row.line, other_line)
            self._same_person(other_line, row.line)

    def _same_person(self, line: int, other_line: int) -> None:
        if self.listed(line):
            self._entry(line).in_file.append(other_line)
        else:
            self.unlisted.add(line)

    def _keys(self, values: Mapping[str, Any]) -> dict[str, str]:
        """The keys `apply_derived_fields` would store for a person of these values."""
        if values.get("phone"):  # no import column today: the model computes its hash
            probe = Person(**values)
            apply_derived_fields(probe, self.keys_of_names)
            return {
                field: getattr(probe, field) for fields in KEY_KINDS.values() for field in fields
            }
        names = self.keys_of_names(values.get("full_name", ""), values.get("name_my", ""))
        return dict(zip(NAME_KEY_FIELDS, names, strict=True))

    def lines_to_look_up(self, only: Collection[int] | None = None) -> set[int]:
        """Lines with a key or a reference some current person has (a key of a kind is looked
        for in each field of that kind). `only`: the keys of these lines only are looked for
        (the lines decided by default are not looked up); the references of every line are,
        since a new person cannot take a reference already held (see `results`)."""
        people = Person.objects.current().filter(anonymised_at__isnull=True)
        lines = set()
        for kind, fields in KEY_KINDS.items():
            keys = [
                key
                for (key_kind, key), key_lines in self.lines_by_key.items()
                if key_kind == kind
                and (only is None or any(_unpack(packed)[0] in only for packed in key_lines))
            ]
            for field in fields:
                for taken in _taken(people, field, keys):
                    lines.update(_unpack(packed)[0] for packed in self.lines_by_key[(kind, taken)])
        for taken in _taken(people, "reference", list(self.references)):
            self.held_references[self.references[taken]] = taken
            lines.add(self.references[taken])
        return lines

    def look_up(self, row: Row) -> None:
        """Scored candidates among the people already registered (every site)."""
        values = row.person
        found = duplicate_candidates_for(
            self.user,
            full_name=values.get("full_name", ""),
            name_my=values.get("name_my", ""),
            birth_year=values.get("birth_year"),
            sex=values.get("sex", ""),
            origin_region=values.get("origin_region", ""),
            exit_date=(row.exit or {}).get("exit_date"),
            reference=values.get("reference", ""),
            limit=CANDIDATES_PER_LINE,
        )
        if not (found.shown or found.elsewhere):
            return
        entry = self._entry(row.line)
        entry.other_sites = found.elsewhere
        for candidate in found.shown:
            self.person_ids.add(candidate.person.pk)
            entry.candidates.append(
                {
                    "case_number": candidate.person.case_number,
                    "score": candidate.score,
                    "reasons": [str(reason) for reason in candidate.reasons],
                    "restricted": candidate.restricted,
                }
            )

    def _entry(self, line: int) -> LineDuplicates:
        entry = self.found.get(line)
        if entry is None:  # built only when missing (setdefault would build one every time)
            entry = self.found[line] = LineDuplicates(line=line)
        return entry

    def results(self, decisions: Mapping[int, str]) -> tuple[list[LineDuplicates], list[RowError]]:
        """The lines with likely duplicates, each with its decision; and the errors of the
        decisions that cannot be applied (a new person with a reference already held)."""
        errors = []
        lines = sorted(self.found.values(), key=lambda entry: entry.line)
        for entry in lines:
            entry.in_file = sorted(set(entry.in_file))
            entry.decision = decisions.get(entry.line)
        for line, reference in sorted(self.held_references.items()):
            if decisions.get(line) == NEW:
                reason = _(
                    "The reference %(reference)s belongs to a person already registered: skip "
                    "this line, or correct the reference."
                ) % {"reference": reference[:40]}
                errors.append(RowError(line, "reference", reason))
        return lines, errors


YEAR_BITS = 12  # a birth year (1930 to this year) or 0 for none
YEAR_MASK = (1 << YEAR_BITS) - 1


def _pack(line: int, birth_year: int | None) -> int:
    return line << YEAR_BITS | (birth_year or 0)


def _unpack(packed: int) -> tuple[int, int | None]:
    return packed >> YEAR_BITS, (packed & YEAR_MASK) or None


def _years_close(first: int | None, second: int | None) -> bool:
    return first is None or second is None or abs(first - second) <= BIRTH_YEARS_APART


def _taken(people: QuerySet[Person], field_name: str, values: list[str]) -> set[str]:
    """The `values` of `field_name` some of `people` have: one query per batch."""
    taken: set[str] = set()
    for start in range(0, len(values), LOOKUP_BATCH):
        batch = values[start : start + LOOKUP_BATCH]
        taken.update(
            people.filter(**{f"{field_name}__in": batch})
            .order_by()
            .values_list(field_name, flat=True)
            .distinct()
        )
    return taken
