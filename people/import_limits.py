"""The bounds on an import file, read from the settings at each import (see `IMPORT_*` in
config/settings.py). A leaf module: the reading and the checking both take them."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class ImportLimits:
    max_file_bytes: int
    max_rows: int  # rows after the header, blank ones left out
    max_cell_chars: int  # any cell; some columns have their model field's lower limit
    max_line_chars: int  # one physical line of a CSV file
    max_errors: int  # errors kept in a report; the others are only counted
    check_seconds: int  # the time allowed for reading and checking every row
    xlsx_max_unpacked_bytes: int  # all entries of the archive together
    xlsx_max_ratio: int  # unpacked ÷ packed size of any one entry
    xlsx_max_entries: int

    @classmethod
    def from_settings(cls) -> ImportLimits:
        return cls(
            max_file_bytes=settings.IMPORT_MAX_FILE_BYTES,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            max_line_chars=settings.IMPORT_MAX_LINE_CHARS,
            max_errors=settings.IMPORT_MAX_ERRORS,
            check_seconds=settings.IMPORT_CHECK_SECONDS,
            xlsx_max_unpacked_bytes=settings.IMPORT_XLSX_MAX_UNPACKED_BYTES,
            xlsx_max_ratio=settings.IMPORT_XLSX_MAX_RATIO,
            xlsx_max_entries=settings.IMPORT_XLSX_MAX_ENTRIES,
        )
