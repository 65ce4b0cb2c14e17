"""Read an import file as lines of cell texts, within bounds that no file can push past.

A CSV file is decoded and read with a maximum field size and line length; an XLSX file is a
zip archive, whose entries are checked (number, total unpacked size, compression ratio of
each) before openpyxl opens it, in read-only mode (the sheet is streamed, not loaded). What
cannot be read raises `FileRefused`, one error for the whole file; the row limit, the cell
checks and the time budget are applied by the caller as it takes the lines (see
`people.importing`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import openpyxl
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from people.import_limits import ImportLimits
from people.import_report import RowError, quote

XLSX_EXTENSIONS = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive
ZIP_CENTRAL_ENTRY = b"PK\x01\x02"  # one per entry in the archive's directory
FIELD_LIMIT_ERROR = "field larger than field limit"  # csv.Error's message for it

Line = tuple[int, list[str]]  # (line number in the file, cell texts)
# A line with its end (\r\n, \r or \n, as io.StringIO(newline="") splits them), or the last
# one without: found in the text itself, where a StringIO would copy the whole text (at 4
# bytes a character for Burmese text: 43 MB for a file of 13 MB).
LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


class FileRefused(Exception):
    """The whole file is unusable (empty, unreadable, wrong header, too large): one error
    explains it."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.error = RowError(line, "", reason)


def read_lines(
    data: bytes, filename: str, limits: ImportLimits, *, count: bool = True
) -> tuple[int, Iterator[Line]]:
    """The number of rows after the header (for progress; 0 when not known, or not `count`)
    and the lines of a CSV file or the rows of an XLSX file's first sheet, header first.
    The same bytes can be read again: nothing read is kept between two readings."""
    if len(data) > limits.max_file_bytes:
        raise FileRefused(
            1,
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(limits.max_file_bytes)},
        )
    if not data.strip():
        raise FileRefused(1, _("The file is empty."))
    if filename.lower().endswith(".xls"):
        raise FileRefused(1, _("Old Excel files (.xls) cannot be read: save it as .xlsx or CSV."))
    if filename.lower().endswith(XLSX_EXTENSIONS) or data.startswith(ZIP_MAGIC):
        return _xlsx(data, limits)
    text = _csv_text(data)
    # Counting is a whole pass over the text: skipped when the total is not shown.
    return _csv_row_count(text, limits) if count else 0, _csv_lines(text, limits)


# --- CSV ---------------------------------------------------------------------------------


def _csv_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileRefused(
            line,
            _(
                "The file is not UTF-8 text (first bad character on line %(line)d). In Excel, "
                "save it as “CSV UTF-8”."
            )
            % {"line": line},
        ) from None


@contextmanager
def _field_size_limit(limit: int) -> Iterator[None]:
    """The csv module's limit is global to the process: set for this reading, then restored."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _physical_lines(text: str, limit: int) -> Iterator[str]:
    """The file's lines, refusing the first longer than `limit` characters: the csv module
    would otherwise build a row of any width (a million commas: a million values)."""
    for number, found in enumerate(LINE.finditer(text), start=1):
        line = found.group()
        if len(line) > limit:
            raise FileRefused(
                number,
                _("This line is longer than %(limit)d characters.") % {"limit": limit},
            )
        yield line


def _csv_row_count(text: str, limits: ImportLimits) -> int:
    """The rows that will be read (blank lines left out): a quick first pass, in C."""
    try:
        with _field_size_limit(limits.max_line_chars):
            reader = csv.reader(_physical_lines(text, limits.max_line_chars))
            rows = sum(1 for values in reader if "".join(values).strip())
    except (csv.Error, FileRefused):
        return 0  # the reading reports where the file is malformed
    return max(rows - 1, 0)


def _csv_lines(text: str, limits: ImportLimits) -> Iterator[Line]:
    # A quoted value may span lines: it is bounded like one line. Shorter limits on cells are
    # checked with the rows, where the error can name the column.
    with _field_size_limit(limits.max_line_chars):
        reader = csv.reader(_physical_lines(text, limits.max_line_chars))
        start = 1
        try:
            for values in reader:
                yield start, [value.strip() for value in values]
                # A quoted value may span lines: the next row starts after this one's last line.
                start = reader.line_num + 1
        except csv.Error as error:
            if FIELD_LIMIT_ERROR in str(error):
                reason = _("A value on this line is longer than %(limit)d characters.") % {
                    "limit": limits.max_line_chars
                }
            else:
                reason = _("The CSV file is malformed: %(error)s") % {"error": quote(str(error))}
            raise FileRefused(start, reason) from None


# --- XLSX --------------------------------------------------------------------------------


def _xlsx(data: bytes, limits: ImportLimits) -> tuple[int, Iterator[Line]]:
    _check_archive(data, limits)
    # openpyxl raises many kinds of errors on damaged files: any of them means "unreadable".
    unreadable = _("The file could not be read as an Excel workbook (.xlsx).")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # As the sheet declares it (blank rows included); 0 when it does not say.
        total = max((sheet.max_row or 0) - 1, 0)
    except Exception:
        raise FileRefused(1, unreadable) from None
    return total, _xlsx_lines(workbook, sheet, unreadable)


def _check_archive(data: bytes, limits: ImportLimits) -> None:
    """Refuse an archive that would unpack to far more than a workbook of people needs (a
    "zip bomb": a few kilobytes that unpack to gigabytes) before anything is unpacked. The
    sizes are the ones the archive declares; Python's zipfile never unpacks past them."""
    # Counted in the raw bytes first: reading a directory of a million entries costs memory.
    if data.count(ZIP_CENTRAL_ENTRY) > limits.xlsx_max_entries:
        raise FileRefused(1, _too_many_entries(limits))
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FileRefused(
            1, _("The file could not be read as an Excel workbook (.xlsx).")
        ) from None
    if len(entries) > limits.xlsx_max_entries:
        raise FileRefused(1, _too_many_entries(limits))
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.xlsx_max_unpacked_bytes:
        raise FileRefused(
            1,
            _(
                "The workbook unpacks to %(size)s; the limit is %(limit)s. Save the sheet as "
                "CSV, or split it into smaller files."
            )
            % {
                "size": filesizeformat(unpacked),
                "limit": filesizeformat(limits.xlsx_max_unpacked_bytes),
            },
        )
    for entry in entries:
        if entry.file_size > limits.xlsx_max_ratio * max(entry.compress_size, 1):
            raise FileRefused(
                1,
                _(
                    "The workbook is compressed far more than a spreadsheet can be (%(ratio)d "
                    "times; the limit is %(limit)d): it was made to overload the portal, or is "
                    "damaged. Save the sheet as CSV and import that."
                )
                % {
                    "ratio": entry.file_size // max(entry.compress_size, 1),
                    "limit": limits.xlsx_max_ratio,
                },
            )


def _too_many_entries(limits: ImportLimits) -> str:
    return _("The workbook holds more than %(limit)d parts: it cannot be a sheet of people.") % {
        "limit": limits.xlsx_max_entries
    }


def _xlsx_lines(workbook, sheet, unreadable: str) -> Iterator[Line]:
    try:
        width = 0
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = trim([_cell_text(cell) for cell in cells])
            width = width or len(values)  # the header's: empty trailing cells may be left out
            yield line, values + [""] * (width - len(values))
    except Exception:
        raise FileRefused(1, unreadable) from None
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """A cell as the text a CSV would hold (dates as YYYY-MM-DD, 1998.0 as 1998)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def trim(values: list[str]) -> list[str]:
    """Without trailing empty cells (spreadsheets often add some)."""
    end = len(values)
    while end and not values[end - 1]:
        end -= 1
    return values[:end]
