"""Import people from a CSV or XLSX file: every row valid, or nothing imported.

The file is read within bounds (`people.import_reading`, `people.import_limits`: size, rows,
cells, lines, time) and every row checked first (see `people.import_rows`); errors are
collected with their line, column and reason, and quote at most a few dozen characters of a
value. Only a file without errors is saved, in one transaction, with bulk inserts and a
single audit row, so that 100,000 rows import in well under a minute (no query per row).

Likely duplicates (`people.import_duplicates`): the lines that may be people already
registered (every site) or the same person on two lines of the file are listed in the report,
and nothing is saved until the importer has decided for each: skip it, or import it as a new
person (decisions made on the report of the same file, named by its SHA-256). The people
saved are queued for the admins' duplicate review (`people.review_queue`).

Memory: the file is read twice, and no reading keeps its rows. The first checks every row
and keeps only what the checks across rows and the saving need (a `Tally`: the case numbers
given, with their lines, and counts); the second, only for a file without errors that is not
a dry run, converts each row again and saves them a batch at a time
(`people.import_saving`), so the memory does not grow with the number of rows.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping
from typing import Protocol

from django.core.exceptions import PermissionDenied
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.import_duplicates import NEW, SKIP, Decisions, DuplicateFinder
from people.import_limits import ImportLimits
from people.import_reading import FileRefused, Line, read_lines, trim
from people.import_report import CONTROL_CHARACTER, ImportReport, RowError, quote
from people.import_rows import (
    CASE_NUMBER,
    COLUMNS,
    OPTIONAL_COLUMNS,
    Row,
    RowChecker,
    max_length,
)
from people.import_saving import Tally, advance_sequences, insert, new_case_numbers
from people.keys import NameKeysMemo
from people.models import Person
from people.signals import people_changed
from portal import auditing
from portal.models import Location, User
from portal.roles import STAFF_WITH_PERSON_DATA
from portal.scoping import visible_to

PROGRESS_EVERY = 500  # rows; a file of 10,000 rows moves its progress bar 20 times
REVIEW_BATCH = 1000  # people per duplicate review task after an import
LOOKUP_BATCH = 900  # stays under SQLite's limit of query parameters
# Columns stored as typed, with their field's own limit (the others: IMPORT_MAX_CELL_CHARS;
# names are measured again once converted from Zawgyi).
FIELD_LIMITS = {
    "case_number": max_length(Person, "case_number"),
    "reference": max_length(Person, "reference"),
    "location": max_length(Location, "code"),
}
# Columns stored as free text, where a tab or a line break is part of the value.
MULTI_LINE_COLUMNS = ("notes",)
LAYOUT_CHARACTERS = "\t\n\r"
HEADER_NAMES_SHOWN = 5  # unexpected column names quoted; the others are counted
# Lines with likely duplicates a report lists for decisions; a file with more is refused.
MAX_DUPLICATE_LINES = 1000


class Progress(Protocol):
    def __call__(self, rows_done: int, rows_total: int, *, saving: bool = False) -> None:
        """`rows_done` rows of `rows_total` checked (0: not known); `saving` once every row
        was checked and the people are being saved."""


def import_people(
    data: bytes,
    *,
    filename: str,
    user: User,
    dry_run: bool = False,
    progress: Progress | None = None,
    limits: ImportLimits | None = None,
    decisions: Mapping[int, str] | None = None,
    decided_for: str = "",
    all_new: bool = False,
) -> ImportReport:
    """Check every row of `data`; unless a row is invalid, a line with likely duplicates is
    not decided, or `dry_run`, create everything. `limits`: the bounds on the file (default:
    from the settings). `decisions`: line → "skip" or "new" for the lines with likely
    duplicates (`people.import_duplicates`), made on the report of the file whose SHA-256 is
    `decided_for`; `all_new`: every line without a decision is imported as a new person
    (these lines are listed with what the file itself shows, not looked up again)."""
    if user.role not in STAFF_WITH_PERSON_DATA:
        raise PermissionDenied(_("Only admins and case workers can import people."))
    limits = limits or ImportLimits.from_settings()
    digest = hashlib.sha256(data).hexdigest()
    report = ImportReport(dry_run=dry_run, file_digest=digest)
    decisions = Decisions(decisions or {}, NEW if all_new else None)
    if (decisions or all_new) and decided_for != digest:
        report.errors = [RowError(1, "", _another_file())]
        return report
    sites = Sites(user)
    # One checker for both readings: the same day, so a row is converted the same way twice.
    checker = RowChecker(timezone.localdate())
    # The keys of each name, computed once for the duplicates and the saving (names repeat).
    keys_of_names = NameKeysMemo()
    finder = DuplicateFinder(
        user,
        keys_of_names,
        # Lines decided by default are counted in the report, not listed (see `_duplicates`).
        listed=lambda line: decisions.default is None or bool(dict.get(decisions, line)),
    )
    try:
        total, lines = read_lines(data, filename, limits)
        tally = _check_rows(
            lines, total, sites, checker, report, progress, limits, finder, decisions
        )
    except FileRefused as refused:
        report.errors, report.errors_left_out = [refused.error], 0
        return report
    if report.ok:
        _duplicates(report, finder, decisions, user, _rows_again(data, filename, limits, checker))
    _keep_first_errors(report, limits.max_errors)
    if report.ok:
        _count(tally, report)
    if report.saved:
        if progress:
            progress(report.rows_read, report.rows_read, saving=True)
        rows = (
            row
            for row in _rows_again(data, filename, limits, checker)
            if decisions.get(row.line) != SKIP
        )
        _save(rows, tally, sites.by_code, user, report, digest, keys_of_names)
    return report


def _another_file() -> str:
    return _(
        "The decisions about likely duplicates were made for another file: upload the same "
        "file again, or this one without decisions."
    )


def _duplicates(
    report: ImportReport,
    finder: DuplicateFinder,
    decisions: Decisions,
    user: User,
    rows: Iterator[Row],
) -> None:
    """The lines with likely duplicates (in the file, and against the people registered:
    `rows` read again for those lines only) and their decisions, into the report; the
    people shown to the importer audited as a list read (their ids only)."""
    # Lines decided by default (`all_new`) are not looked up: neither counted nor read, nor
    # their keys queried (a query per 900 keys, seconds for a large file).
    decided = (
        None
        if decisions.default is None
        else {line for line in decisions if dict.get(decisions, line)}
    )
    to_look_up = {
        line
        for line in finder.lines_to_look_up(only=decided)
        if dict.get(decisions, line, "") or decisions.default is None
    }
    to_decide = to_look_up | {line for line in finder.found if decisions.default is None}
    if len(to_decide) > MAX_DUPLICATE_LINES:
        reason = _(
            "%(count)d lines have likely duplicates, more than %(limit)d to decide in one "
            "import: split the file into smaller files."
        ) % {"count": len(to_decide), "limit": MAX_DUPLICATE_LINES}
        report.errors.append(RowError(1, "", reason))
        return
    if to_look_up:
        for row in rows:
            if row.line in to_look_up:
                finder.look_up(row)
    report.duplicates, errors = finder.results(decisions)
    report.errors += errors
    if decisions.default is not None:
        # Counted, not listed: a large file imported as new whole keeps a small report.
        listed = [entry for entry in report.duplicates if dict.get(decisions, entry.line)]
        report.decided_by_default = len(report.duplicates) - len(listed) + len(finder.unlisted)
        report.duplicates = listed
    if finder.person_ids:
        auditing.record_page_read(user, "people.import_duplicates", finder.person_ids)


def _header(values: list[str]) -> list[str]:
    names = [value.strip().lstrip("\ufeff").lower() for value in trim(values)]
    if not names:
        raise FileRefused(1, _("The first line must hold the column names; it is empty."))
    if len(names) == 1 and ";" in names[0]:
        raise FileRefused(1, _("Columns must be separated by commas, not semicolons."))
    missing = [name for name in COLUMNS if name not in names]
    unexpected = [name for name in names if name not in COLUMNS + OPTIONAL_COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if missing or unexpected or repeated:
        problems = [
            _("missing: %(names)s") % {"names": ", ".join(missing)} if missing else "",
            _("unexpected: %(names)s") % {"names": _some(unexpected)} if unexpected else "",
            _("repeated: %(names)s") % {"names": _some(repeated)} if repeated else "",
        ]
        reason = _(
            "The columns must be exactly: %(columns)s, and optionally %(optional)s (%(problems)s)."
        ) % {
            "columns": ",".join(COLUMNS),
            "optional": ",".join(OPTIONAL_COLUMNS),
            "problems": "; ".join(problem for problem in problems if problem),
        }
        raise FileRefused(1, reason)
    return names


def _some(names: list[str]) -> str:
    """Column names from the file, quoted short, the first few only."""
    shown = ", ".join(quote(name, 40) for name in names[:HEADER_NAMES_SHOWN])
    if len(names) > HEADER_NAMES_SHOWN:
        shown += " " + _("and %(count)d more") % {"count": len(names) - HEADER_NAMES_SHOWN}
    return shown


# --- Checking ----------------------------------------------------------------------------


class Sites:
    """The sites rows may name: existing, active and within the importing user's scope."""

    def __init__(self, user: User):
        self.by_code = {location.code.upper(): location for location in Location.objects.all()}
        self.allowed = set(visible_to(user, Location.objects.all()).values_list("pk", flat=True))

    def refusal(self, code: str) -> str | None:
        location = self.by_code.get(code.upper())
        if location is None:
            return _("There is no site with the code '%(code)s'.") % {"code": code[:32]}
        if not location.active:
            return _("The site %(code)s is closed.") % {"code": location.code}
        if location.pk not in self.allowed:
            return _("You cannot import into %(code)s: it is not one of your sites.") % {
                "code": location.code
            }
        return None


def _columns(lines: Iterator[Line]) -> list[str]:
    first = next(lines, None)
    if first is None:
        raise FileRefused(1, _("The file is empty."))
    return _header(first[1])


def _data_lines(
    lines: Iterator[Line], width: int, limits: ImportLimits, *, deadline: float | None = None
) -> Iterator[Line]:
    """The lines after the header that hold a row, without empty cells past `width`."""
    for line, values in lines:
        # Every line, blank ones included: a sheet can declare a million empty rows.
        if deadline is not None and time.monotonic() >= deadline:
            raise FileRefused(line, _too_slow(limits))
        if not any(values):
            continue  # blank lines are skipped, as spreadsheets show them
        if len(values) > width and not any(values[width:]):
            values = values[:width]  # empty cells after the last column
        yield line, values


def _check_rows(
    lines: Iterator[Line],
    total: int,
    sites: Sites,
    checker: RowChecker,
    report: ImportReport,
    progress: Progress | None,
    limits: ImportLimits,
    finder: DuplicateFinder,
    decisions: Mapping[int, str],
) -> Tally:
    """The first reading: every row checked, none kept (see `Tally`); the keys of the valid
    rows not skipped by a decision kept for the duplicates (`DuplicateFinder`)."""
    deadline = time.monotonic() + limits.check_seconds
    columns = _columns(lines)
    cell_limits = [FIELD_LIMITS.get(column, limits.max_cell_chars) for column in columns]
    tally = Tally()
    for line, values in _data_lines(lines, len(columns), limits, deadline=deadline):
        report.rows_read += 1
        if report.rows_read > limits.max_rows:
            raise FileRefused(line, _too_many_rows(limits))
        if progress and report.rows_read % PROGRESS_EVERY == 0:
            # A sheet may declare fewer rows than it holds: the total grows with the count.
            progress(report.rows_read, max(total, report.rows_read) if total else 0)
        if len(values) != len(columns):
            reason = _("This row has %(found)d values; the header has %(expected)d.")
            _add(
                report,
                [RowError(line, "", reason % {"found": len(values), "expected": len(columns)})],
                limits,
            )
            continue
        # Lengths and characters first: no other check (or Zawgyi conversion) sees a value
        # of a megabyte, and no NUL reaches the database.
        if errors := _cell_errors(line, columns, values, cell_limits):
            _add(report, errors, limits)
            continue
        raw = dict(zip(columns, values, strict=True))
        row, errors = checker.check(line, raw)
        errors += _cross_checks(line, raw, sites, tally.given, tally.references)
        _add(report, errors, limits)
        if row is not None and not errors:
            if decisions.get(line) == SKIP:
                report.skipped += 1
                continue
            tally.add(row)
            finder.add(row)
    if not report.rows_read:
        raise FileRefused(1, _("The file has column names but no rows."))
    if progress:
        progress(report.rows_read, report.rows_read)
    report.errors += _taken_case_numbers(tally.given)
    return tally


def _rows_again(
    data: bytes, filename: str, limits: ImportLimits, checker: RowChecker
) -> Iterator[Row]:
    """The second reading, of a file without errors: each row converted again, one at a time.
    Its bounds were all applied by the first reading, so only the conversion is left."""
    _total, lines = read_lines(data, filename, limits, count=False)
    columns = _columns(lines)
    for line, values in _data_lines(lines, len(columns), limits):
        row, _errors = checker.check(line, dict(zip(columns, values, strict=True)))
        if row is None:
            # The same bytes and the same checks: only a bug can get here. Raised inside the
            # saving's transaction, so nothing is saved; the message names no value.
            raise RuntimeError(f"Line {line} was valid at the first reading, not at the second.")
        yield row


def _cell_errors(
    line: int, columns: list[str], values: list[str], cell_limits: list[int]
) -> list[RowError]:
    errors = []
    # One search over the whole row: most rows have no control character at all.
    check_characters = CONTROL_CHARACTER.search("".join(values)) is not None
    for column, value, limit in zip(columns, values, cell_limits, strict=True):
        if len(value) > limit:
            reason = _("At most %(limit)d characters; this value has %(length)d.")
            errors.append(RowError(line, column, reason % {"limit": limit, "length": len(value)}))
        elif check_characters and (reason := _control_character(column, value)):
            errors.append(RowError(line, column, reason))
    return errors


def _control_character(column: str, value: str) -> str | None:
    for position, character in enumerate(value, start=1):
        if CONTROL_CHARACTER.match(character) and not (
            column in MULTI_LINE_COLUMNS and character in LAYOUT_CHARACTERS
        ):
            return _(
                "The value holds a control character (U+%(code)04X, character %(position)d), "
                "which a name or a code cannot contain."
            ) % {"code": ord(character), "position": position}
    return None


def _add(report: ImportReport, errors: list[RowError], limits: ImportLimits) -> None:
    """Keep the first errors only; count the others. Rows come in line order, so the ones
    kept are the first lines' (the case numbers already taken are added at the end)."""
    room = max(limits.max_errors - len(report.errors), 0)
    report.errors += errors[:room]
    report.errors_left_out += len(errors) - len(errors[:room])


def _keep_first_errors(report: ImportReport, max_errors: int) -> None:
    report.errors.sort(key=lambda error: error.line)
    if len(report.errors) > max_errors:
        report.errors_left_out += len(report.errors) - max_errors
        report.errors = report.errors[:max_errors]


def _too_slow(limits: ImportLimits) -> str:
    return _(
        "Checking the file took more than %(seconds)d seconds; nothing was imported. Split it "
        "into smaller files."
    ) % {"seconds": limits.check_seconds}


def _too_many_rows(limits: ImportLimits) -> str:
    return _("The file has more than %(limit)d rows; split it into smaller files.") % {
        "limit": limits.max_rows
    }


def _cross_checks(
    line: int, raw: dict[str, str], sites: Sites, given: dict[str, int], references: dict[str, int]
) -> list[RowError]:
    """Checks against the sites and the file's earlier rows."""
    errors = []
    if reference := raw.get("reference", "").strip():
        if reference in references:
            reason = _(
                "The reference %(reference)s is also on line %(line)d: the same person twice? "
                "A reference belongs to one person; remove or correct one of the lines."
            )
            errors.append(
                RowError(
                    line,
                    "reference",
                    reason % {"reference": quote(reference, 40), "line": references[reference]},
                )
            )
        else:
            references[reference] = line
    if raw["location"] and (reason := sites.refusal(raw["location"])):
        errors.append(RowError(line, "location", reason))
    number = raw["case_number"].upper()
    if CASE_NUMBER.match(number):
        if number in given:
            reason = _("The case number %(number)s is also on line %(line)d.")
            errors.append(
                RowError(line, "case_number", reason % {"number": number, "line": given[number]})
            )
        else:
            given[number] = line
    return errors


def _taken_case_numbers(given: dict[str, int]) -> list[RowError]:
    """Case numbers of the file already in the database (one query per batch)."""
    numbers = list(given)
    errors = []
    for start in range(0, len(numbers), LOOKUP_BATCH):
        batch = numbers[start : start + LOOKUP_BATCH]
        taken = Person.objects.filter(case_number__in=batch).values_list("case_number", flat=True)
        for number in taken:
            reason = _("The case number %(number)s already exists.") % {"number": number}
            errors.append(RowError(given[number], "case_number", reason))
    return errors


def _count(tally: Tally, report: ImportReport) -> None:
    report.people_created = tally.people
    report.exits_created = tally.exits
    report.notes_created = tally.notes
    report.zawgyi_conversions = tally.conversions


# --- Saving ------------------------------------------------------------------------------


def _save(
    rows: Iterator[Row],
    tally: Tally,
    sites: dict[str, Location],
    user: User,
    report: ImportReport,
    digest: str,
    keys_of_names: NameKeysMemo,
) -> None:
    """Save `rows`, read again from the file, in one transaction: any error while they are
    read or inserted rolls back every batch already inserted."""
    try:
        with transaction.atomic():
            # The file's case numbers are the ones the first reading kept, with their lines.
            advance_sequences(tally.given)
            numbers = new_case_numbers(tally.unnumbered, sites)
            person_ids: list[int] = []
            site_ids = insert(
                rows, sites, numbers, user, person_ids=person_ids, keys_of_names=keys_of_names
            )
            auditing.record(
                auditing.Action.IMPORT,
                actor=user,
                object_type="people.person",
                site_id=site_ids.pop() if len(site_ids) == 1 else None,
                # Counts and the file's fingerprint only: never names.
                changes={"rows": [None, tally.people], "file": [None, digest]},
            )
            # The admins' review queue looks for their duplicates after the commit (every
            # site), a batch of people per task.
            for start in range(0, len(person_ids), REVIEW_BATCH):
                people_changed.send(
                    sender=Person, person_ids=person_ids[start : start + REVIEW_BATCH]
                )
    except IntegrityError:
        # Another user registered one of the file's case numbers since it was checked.
        _refuse_saving(report, _("A case number was taken meanwhile; try again."), "case_number")
    except DataError:
        # Every value was checked against its field; should the database still refuse one,
        # the report says so instead of the job failing (PostgreSQL names no row).
        _refuse_saving(report, _("The database refused a value of the file; nothing was saved."))


def _refuse_saving(report: ImportReport, reason: str, column: str = "") -> None:
    _count(Tally(), report)
    report.errors = [RowError(1, column, reason)]
