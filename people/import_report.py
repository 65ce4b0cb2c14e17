"""What an import found and did: the report and its errors (line, column, reason).

A leaf module: the import job model stores a report and the importer builds one, so both
import it from here instead of from each other.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

QUOTE_CHARS = 80  # the most of a value any error quotes: no report grows with the file
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def quote(value: str, limit: int = QUOTE_CHARS) -> str:
    """`value` as an error may show it: at most `limit` characters (cut with "…"), and no
    control character (a NUL would break the stored report and the page)."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return CONTROL_CHARACTER.sub("\ufffd", value)


@dataclass(frozen=True)
class RowError:
    """A refused value: `line` in the file (the header is line 1), its column and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.column:
            return f"line {self.line}, column {self.column}: {self.reason}"
        return f"line {self.line}: {self.reason}"


@dataclass
class LineDuplicates:
    """The likely duplicates of one line: `candidates` at the importer's sites (dicts of
    case_number, score, reasons, restricted), how many at `other_sites`, the `in_file`
    lines of the same person, and the importer's `decision` (None: not decided)."""

    line: int
    candidates: list[dict[str, Any]] = field(default_factory=list)
    other_sites: int = 0
    in_file: list[int] = field(default_factory=list)
    decision: str | None = None  # "skip" or "new"


@dataclass
class ImportReport:
    """What an import did; the counts are what was (or, in a dry run, would be) created."""

    rows_read: int = 0
    people_created: int = 0
    exits_created: int = 0
    notes_created: int = 0
    zawgyi_conversions: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    errors_left_out: int = 0  # errors not kept with a stored report (see `to_dict`)
    # Lines with likely duplicates (`people.import_duplicates`), with the importer's
    # decisions; the lines skipped by decision; the file's SHA-256, which decisions name.
    duplicates: list[LineDuplicates] = field(default_factory=list)
    skipped: int = 0
    file_digest: str = ""
    decided_by_default: int = 0  # lines with likely duplicates imported as new by `all_new`

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def undecided_lines(self) -> list[int]:
        """Lines with likely duplicates and no decision: nothing is saved while there are."""
        return [entry.line for entry in self.duplicates if entry.decision not in ("skip", "new")]

    @property
    def saved(self) -> bool:
        return self.ok and not self.dry_run and not self.undecided_lines

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_left_out

    def to_dict(self, max_errors: int | None = None) -> dict[str, Any]:
        """The report as JSON-ready data, with at most `max_errors` errors (the first ones)."""
        data = asdict(self)
        if max_errors is not None and len(self.errors) > max_errors:
            data["errors"] = data["errors"][:max_errors]
            data["errors_left_out"] += len(self.errors) - max_errors
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        return cls(
            **{
                **data,
                "errors": [RowError(**error) for error in data["errors"]],
                # Reports stored before the duplicates were checked have none.
                "duplicates": [LineDuplicates(**entry) for entry in data.get("duplicates", [])],
            }
        )
