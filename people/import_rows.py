"""Check one row of a people import and turn it into model values.

No database access here: the checks that need the database (sites, case numbers already
taken) and the checks across rows (case numbers repeated in the file) are in
`people.importing`, which runs them once for the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from people import burmese, choices, workflow
from people.import_report import RowError
from people.models import Exit, Person

COLUMNS = (
    "case_number", "full_name", "preferred_name", "name_my", "sex", "birth_year", "exit_type",
    "affiliation", "exit_date", "recruit_status", "rank", "origin_region", "location", "notes",
)  # fmt: skip
# Columns a file may leave out; an absent or empty one takes the model's default (a case
# starts as intake; an exit is "documented" by the organisation; no reference).
OPTIONAL_COLUMNS = ("status", "verification", "reference")
NAME_COLUMNS = ("full_name", "preferred_name", "name_my")
# An exit is recorded only with all three; the other exit columns need them.
EXIT_GROUP = ("exit_type", "affiliation", "exit_date")
EXIT_EXTRAS = ("recruit_status", "rank", "verification")

CASE_NUMBER = re.compile(r"^[A-Z]{2,4}-\d{2}-\d{5}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST_EXIT = date(1988, 1, 1)  # the 1988 uprising: nothing the portal tracks is older
EARLIEST_BIRTH_YEAR = 1930
YOUNGEST_AGE = 10
CHOICES_KEPT = 1_000  # spellings of choices a checker remembers (valid ones only)
CONVERSIONS_KEPT = 20_000  # distinct Burmese texts a checker remembers converted (bounded memory)
# Spellings seen in field spreadsheets, beyond the values and English labels.
SEX_ALIASES = {"m": "male", "f": "female"}
VERIFICATION_ALIASES = {
    "self reported": "self_reported",
    "documented": "documented",
    "partner": "partner_verified",
    "documents": "documents_verified",
}
REGION_ALIASES = {"nay pyi taw": "naypyidaw", "naypyitaw": "naypyidaw"}
REGION_SUFFIXES = (" union territory", " state", " region")


@dataclass(slots=True)  # one per row of a file of up to 200,000 rows: no __dict__ each
class Row:
    """A valid row, ready to become a Person (and an Exit and a CaseNote when given)."""

    line: int
    case_number: str  # empty: one is generated for the site
    location_code: str
    person: dict[str, Any]
    exit: dict[str, Any] | None
    note: str
    conversions: int  # name and text fields converted from Zawgyi


class Invalid(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def fold(text: str) -> str:
    """Compare enumeration values loosely: case, underscores, hyphens and spacing ignored."""
    return " ".join(text.casefold().replace("_", " ").replace("-", " ").split())


def enum_table(
    enum: type[models.TextChoices], aliases: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Folded value and English label → stored value."""
    table = {}
    with translation.override("en"):  # files are in English whatever the user's language
        for value, label in enum.choices:
            table[fold(value)] = value
            table[fold(str(label))] = value
    table.update(aliases or {})
    return table


def max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length


class RowChecker:
    """Turns the text of a row (column → value) into model values, or into RowErrors."""

    def __init__(self, today: date):
        self.today = today
        # Texts converted to Unicode, for this checker only (one import): names repeat in a
        # large file, and the Zawgyi detection of a Burmese text is its slowest check.
        self.converted: dict[str, tuple[str, bool]] = {}
        self.chosen: dict[tuple[str, str], str] = {}  # (column, text as typed) → stored value
        self.tables = {
            "sex": enum_table(choices.Sex, SEX_ALIASES),
            "exit_type": enum_table(choices.ExitType),
            "affiliation": enum_table(choices.Affiliation),
            "recruit_status": enum_table(choices.RecruitStatus),
            "verification": enum_table(choices.ExitVerification, VERIFICATION_ALIASES),
            "origin_region": enum_table(choices.Region, REGION_ALIASES),
            "status": enum_table(choices.Status),
        }
        self.person_parsers: dict[str, Callable[[str], Any]] = {
            "status": self.status,
            "sex": lambda text: self.choice("sex", text),
            "birth_year": self.birth_year,
            "origin_region": self.region,
        }
        self.exit_parsers: dict[str, Callable[[str], Any]] = {
            "exit_type": lambda text: self.choice("exit_type", text),
            "affiliation": lambda text: self.choice("affiliation", text),
            "exit_date": self.exit_date,
            "recruit_status": lambda text: self.choice("recruit_status", text),
            "rank": lambda text: self.text(text, max_length(Exit, "rank")),
            "verification": lambda text: self.choice("verification", text),
        }

    def check(self, line: int, raw: Mapping[str, str]) -> tuple[Row | None, list[RowError]]:
        errors: list[RowError] = []
        person, conversions = self.names(line, raw, errors)
        person.update(self.parse(line, raw, self.person_parsers, errors))
        exit_values = self.exit(line, raw, errors)
        case_number = self.case_number(line, raw["case_number"], errors)
        if reference := raw.get("reference", "").strip():
            # Its length and characters were checked with the cell (`people.importing`).
            person["reference"] = reference
        if not raw["location"]:
            errors.append(RowError(line, "location", _("A site code is required.")))
        if errors:
            return None, errors
        # The free texts are stored in Unicode too (counted with the names in the report).
        note, note_converted = self.to_unicode(raw["notes"])
        rank_converted = bool(exit_values and burmese.to_unicode_values(exit_values, ("rank",)))
        conversions += note_converted + rank_converted
        row = Row(
            line=line,
            case_number=case_number,
            location_code=raw["location"].upper(),
            person=person,
            exit=exit_values,
            note=note,
            conversions=conversions,
        )
        return row, []

    def to_unicode(self, text: str) -> tuple[str, bool]:
        """`burmese.to_unicode`, remembered for the last CONVERSIONS_KEPT distinct texts in
        Burmese script (the others are never detected as Zawgyi: nothing to remember)."""
        if not burmese.MYANMAR_CHARACTERS.search(text):
            return burmese.to_unicode(text)
        found = self.converted.get(text)
        if found is None:
            if len(self.converted) >= CONVERSIONS_KEPT:
                self.converted.clear()
            found = self.converted[text] = burmese.to_unicode(text)
        return found

    def names(
        self, line: int, raw: Mapping[str, str], errors: list[RowError]
    ) -> tuple[dict[str, str], int]:
        """Names in Unicode (converted from Zawgyi when typed in it) and the conversion count."""
        values, conversions = {}, 0
        for column in NAME_COLUMNS:
            values[column], converted = self.to_unicode(raw[column])
            conversions += converted
            try:
                self.text(values[column], max_length(Person, column))
            except Invalid as invalid:
                errors.append(RowError(line, column, invalid.reason))
        if not values["full_name"]:
            errors.append(RowError(line, "full_name", _("A full name is required.")))
        return values, conversions

    def exit(
        self, line: int, raw: Mapping[str, str], errors: list[RowError]
    ) -> dict[str, Any] | None:
        given = [column for column in EXIT_GROUP if raw[column]]
        if not given:
            for column in EXIT_EXTRAS:
                if raw.get(column):
                    reason = _("Only recorded with an exit: fill in %(columns)s too.")
                    errors.append(
                        RowError(line, column, reason % {"columns": ", ".join(EXIT_GROUP)})
                    )
            return None
        for column in EXIT_GROUP:
            if not raw[column]:
                reason = _("Required when %(columns)s is given.") % {"columns": ", ".join(given)}
                errors.append(RowError(line, column, reason))
        return self.parse(line, raw, self.exit_parsers, errors)

    @staticmethod
    def parse(
        line: int,
        raw: Mapping[str, str],
        parsers: Mapping[str, Callable[[str], Any]],
        errors: list[RowError],
    ) -> dict[str, Any]:
        """Values of the non-empty columns; empty ones are left to the model's defaults."""
        values = {}
        for column, parser in parsers.items():
            if raw.get(column):  # an optional column may be missing from the file
                try:
                    values[column] = parser(raw[column])
                except Invalid as invalid:
                    errors.append(RowError(line, column, invalid.reason))
        return values

    @staticmethod
    def case_number(line: int, text: str, errors: list[RowError]) -> str:
        number = text.upper()
        if number and not CASE_NUMBER.match(number):
            reason = _(
                "'%(value)s' is not a case number like MS-25-00042: the portal assigns them. "
                "Put your organisation's own numbers in the reference column."
            ) % {"value": text[:30]}
            errors.append(RowError(line, "case_number", reason))
        return number

    def choice(self, column: str, text: str) -> str:
        chosen = self.chosen.get((column, text))
        if chosen is None:
            try:
                chosen = self.tables[column][fold(text)]
            except KeyError:
                raise self.not_one_of(column, text) from None
            self._remember(column, text, chosen)
        return chosen

    def _remember(self, column: str, text: str, value: str) -> None:
        """A file spells each choice in a few ways: the first CHOICES_KEPT are remembered."""
        if len(self.chosen) < CHOICES_KEPT:
            self.chosen[(column, text)] = value

    def status(self, text: str) -> str:
        """A case starts as intake or active (`people.workflow`); later changes are made on
        the person page, where they are recorded with their date and reason."""
        value = self.choice("status", text)
        if value not in workflow.STARTING_STATES:
            raise Invalid(
                _(
                    "'%(value)s': an import starts a case as %(allowed)s; change the status "
                    "afterwards on the person page."
                )
                % {"value": text[:40], "allowed": " or ".join(workflow.STARTING_STATES)}
            )
        return value

    def region(self, text: str) -> str:
        if chosen := self.chosen.get(("origin_region", text)):
            return chosen
        folded = fold(text)
        for suffix in REGION_SUFFIXES:
            folded = folded.removesuffix(suffix)
        try:
            chosen = self.tables["origin_region"][folded]
        except KeyError:
            raise self.not_one_of("origin_region", text) from None
        self._remember("origin_region", text, chosen)
        return chosen

    def not_one_of(self, column: str, text: str) -> Invalid:
        allowed = sorted(set(self.tables[column].values()))
        return Invalid(
            _("'%(value)s' is not one of: %(allowed)s.")
            % {"value": text[:40], "allowed": ", ".join(allowed)}
        )

    def birth_year(self, text: str) -> int:
        latest = self.today.year - YOUNGEST_AGE
        if not text.isdigit() or not EARLIEST_BIRTH_YEAR <= int(text) <= latest:
            raise Invalid(
                _("'%(value)s' is not a birth year between %(first)d and %(last)d.")
                % {"value": text[:20], "first": EARLIEST_BIRTH_YEAR, "last": latest}
            )
        return int(text)

    def exit_date(self, text: str) -> date:
        try:
            if not ISO_DATE.match(text):
                raise ValueError(text)
            value = date.fromisoformat(text)
        except ValueError:
            raise Invalid(
                _("'%(value)s' is not a date in the form YYYY-MM-DD.") % {"value": text[:20]}
            ) from None
        if value > self.today:
            raise Invalid(_("The exit date is in the future."))
        if value < EARLIEST_EXIT:
            raise Invalid(_("The exit date is before 1988-01-01."))
        return value

    @staticmethod
    def text(text: str, limit: int) -> str:
        if len(text) > limit:
            raise Invalid(_("At most %(limit)d characters.") % {"limit": limit})
        return text
