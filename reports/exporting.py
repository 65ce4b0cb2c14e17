"""Report downloads: CSV with an HXL hashtag row, XLSX, PDF. Formula-injection safe.

A download of protected figures (for analysts or publication) carries the protection note,
`reports.disclosure.method_note()`: the method and its parameters, never the keys — a last
CSV row (section `note`), a `note` sheet, a paragraph of the PDF."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from xml.sax.saxutils import escape

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.exports import neutralise

HEADER = ["period", "section", "row", "column", "value"]
HXL = ["#date+period", "#indicator+section", "#meta+row", "#meta+column", "#affected+num"]


def flatten(data: dict) -> Iterator[list]:
    """Every figure as (period, section, row, column, value): tables, counts and scalars."""
    period = data["period"]
    for section, value in data.items():
        if section in {"kind", "period", "start", "end"}:
            continue
        yield from _flatten_value(period, section, "", value)


def _flatten_value(period, section, prefix, value) -> Iterator[list]:
    if isinstance(value, dict):
        if (
            value
            and all(isinstance(v, dict) for v in value.values())
            and all(not any(isinstance(x, dict) for x in v.values()) for v in value.values())
        ):
            for row, columns in value.items():
                for column, cell in columns.items():
                    yield [period, section, f"{prefix}{row}", column, cell]
            return
        for key, inner in value.items():
            if isinstance(inner, dict):
                yield from _flatten_value(period, section, f"{prefix}{key}.", inner)
            else:
                yield [period, section, f"{prefix}{key}".rstrip("."), "", inner]
    else:
        yield [period, section, prefix.rstrip("."), "", value]


def note_row(data: dict, note: str) -> list:
    return [data.get("period", ""), "note", "method", "", note]


def to_csv(data: dict, note: str | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow(HXL)
    for row in flatten(data):
        writer.writerow([neutralise("" if cell is None else cell) for cell in row])
    if note:
        writer.writerow([neutralise(cell) for cell in note_row(data, note)])
    return ("\ufeff" + buffer.getvalue()).encode()


def to_xlsx(data: dict, note: str | None = None) -> bytes:
    workbook = Workbook(write_only=True)
    sheets: dict[str, object] = {}
    for row in flatten(data):
        section = row[1][:31]
        if section not in sheets:
            sheets[section] = workbook.create_sheet(section)
            sheets[section].append(HEADER)
            sheets[section].append(HXL)
        sheets[section].append([neutralise("" if cell is None else cell) for cell in row])
    if not sheets:
        workbook.create_sheet("report").append(HEADER)
    if note:
        sheet = workbook.create_sheet("note")
        sheet.append(HEADER)
        sheet.append([neutralise(cell) for cell in note_row(data, note)])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def to_pdf(data: dict, title: str, headline: str, note: str | None = None) -> bytes:
    styles = getSampleStyleSheet()
    output = io.BytesIO()
    story = [
        Paragraph(title, styles["Title"]),
        Paragraph(headline, styles["BodyText"]),
        Spacer(1, 12),
    ]
    if note:
        story.append(Paragraph(escape(note), styles["Italic"]))
    for section in ("exits", "by_site", "by_sex_and_age", "by_month"):
        table = data.get(section)
        if not table:
            continue
        columns = list(next(iter(table.values())).keys())
        rows = [[""] + columns] + [[row] + [str(table[row][c]) for c in columns] for row in table]
        grid = Table(rows, repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                ]
            )
        )
        story += [
            Paragraph(section.replace("_", " ").capitalize(), styles["Heading2"]),
            grid,
            Spacer(1, 12),
        ]
    SimpleDocTemplate(output, pagesize=A4, title=title).build(story)
    return output.getvalue()
