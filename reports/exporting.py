"""Report downloads: CSV with an HXL hashtag row, XLSX, PDF. Formula-injection safe.

A download of protected figures (for analysts or publication) carries the protection note,
`reports.disclosure.method_note()`: the method and its parameters, never the keys — a last
CSV row (section `note`), a `note` sheet, a paragraph of the PDF.

The PDF is meant for a donor report: the period and version, the headline, the method note,
every section with human labels (never a code such as `pow` or `45_plus`) and figures with
thousands separators (a withheld figure is "—"), and the charts of the dashboard drawn with
reportlab's graphics."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import Workbook
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from portal.exports import neutralise
from portal.timezones import reporting_zone
from reports.changes import NOT_FIGURES
from reports.formatting import figure, month_name
from reports.models import ReportVersion
from reports.templatetags.report_tags import label

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


RATES = frozenset({"attendance_rate", "new_recruit_share"})
COLOURS = [colors.HexColor(c) for c in ("#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545")]
CHART_WIDTH, CHART_HEIGHT = 440, 170


def version_line(version: ReportVersion, exact: bool) -> str:
    """Which version a download holds, and whether it may leave the portal."""
    if version.is_released:
        text = _("Version %(number)s, released on %(date)s.") % {
            "number": version.number,
            "date": date_format(version.approved_at.astimezone(reporting_zone()), "DATE_FORMAT"),
        }
    else:
        text = _("Version %(number)s (%(status)s), generated on %(date)s.") % {
            "number": version.number,
            "status": version.get_status_display().lower(),
            "date": date_format(version.generated_at.astimezone(reporting_zone()), "DATE_FORMAT"),
        }
    if exact:
        text += " " + _("Exact figures for review inside the portal: not for publication.")
    return text


def _value(key: str, value) -> str:
    if key in RATES and isinstance(value, float):
        return f"{figure(round(value * 100))} %"
    return figure(value)


def _is_scalar(value) -> bool:
    return not isinstance(value, dict)


def _grid(rows: list[list[str]], header: bool = True) -> Table:
    table = Table(rows, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey))
    table.setStyle(TableStyle(style))
    return table


def _table(table: dict) -> Table:
    """A table of rows × columns (each row a dict of figures)."""
    columns = list(next(iter(table.values())).keys()) if table else []
    rows = [[""] + [str(label(column)) for column in columns]]
    rows += [
        [str(label(row))] + [_value(column, values.get(column)) for column in columns]
        for row, values in table.items()
    ]
    return _grid(rows)


def _section(name: str, value, styles) -> list[Flowable]:
    """One section: a table, or its figures (key, value) followed by its inner tables."""
    if _is_scalar(value):
        return [_grid([[str(label(name)), _value(name, value)]], header=False)]
    if value and all(isinstance(row, dict) for row in value.values()):
        if all(all(_is_scalar(cell) for cell in row.values()) for row in value.values()):
            return [_table(value)]
    story: list[Flowable] = []
    scalars = [[str(label(key)), _value(key, inner)] for key, inner in value.items()
               if _is_scalar(inner) and key not in NOT_FIGURES]  # fmt: skip
    if scalars:
        story.append(_grid(scalars, header=False))
    for key, inner in value.items():
        if _is_scalar(inner) or key in NOT_FIGURES:
            continue
        story.append(Paragraph(escape(str(label(key))), styles["Heading4"]))
        if inner and all(_is_scalar(cell) for cell in inner.values()):
            story.append(
                _grid([[str(label(k)), _value(k, cell)] for k, cell in inner.items()], header=False)
            )
        elif not inner:
            story.append(Paragraph(escape(_("None in this period.")), styles["BodyText"]))
        else:
            story += _section(key, inner, styles)
        story.append(Spacer(1, 4))
    return story


def _numbers(values) -> list[float]:
    return [v if isinstance(v, int | float) and not isinstance(v, bool) else 0 for v in values]


def _count_axis(axis, values: list[float]) -> None:
    """Counts: from zero, whole-number steps."""
    top = max(values + [1])
    step = max(1, -(-int(top) // 5))
    axis.valueMin, axis.valueStep, axis.valueMax = 0, step, step * 5 if top > step * 5 else None
    axis.labelTextFormat = lambda v: figure(int(v))


def _chart_drawing(title: str, chart, legend_items=None) -> Drawing:
    drawing = Drawing(CHART_WIDTH + 60, CHART_HEIGHT + 50)
    chart.x, chart.y, chart.width, chart.height = 45, 35, CHART_WIDTH - 40, CHART_HEIGHT - 20
    drawing.add(chart)
    drawing.add(String(45, CHART_HEIGHT + 35, title, fontSize=9, fontName="Helvetica-Bold"))
    if legend_items:
        legend = Legend()
        legend.x, legend.y, legend.fontSize = CHART_WIDTH + 10, CHART_HEIGHT + 10, 7
        legend.colorNamePairs = legend_items
        drawing.add(legend)
    return drawing


def charts(data: dict) -> dict[str, Drawing]:
    """The dashboard's charts by the section they follow, for those that have something to
    draw."""
    drawings = {}
    months = [m for m in data.get("by_month", {}) if m != "total"]
    types = ("defected", "surrendered", "pow")
    series = [_numbers(data["by_month"][m].get(t) for m in months) for t in types]
    if any(any(row) for row in series):
        chart = VerticalBarChart()
        chart.data = series
        chart.categoryAxis.style = "stacked"
        chart.categoryAxis.categoryNames = [month_name(m) if len(months) == 1 else m[2:]
                                            for m in months]  # fmt: skip
        chart.categoryAxis.labels.fontSize = 6
        _count_axis(chart.valueAxis, [sum(column) for column in zip(*series, strict=True)])
        for index, _type in enumerate(types):
            chart.bars[index].fillColor = COLOURS[index]
        drawings["by_month"] = _chart_drawing(
            str(label("by_month")),
            chart,
            [(COLOURS[i], str(label(t))) for i, t in enumerate(types)],
        )
    sites = {site: row.get("total") for site, row in data.get("by_site", {}).items()
             if site != "total"}  # fmt: skip
    if any(_numbers(sites.values())):
        chart = VerticalBarChart()
        chart.data = [_numbers(sites.values())]
        chart.categoryAxis.categoryNames = list(sites)
        chart.categoryAxis.labels.fontSize = 7
        chart.bars[0].fillColor = COLOURS[0]
        _count_axis(chart.valueAxis, chart.data[0])
        drawings["by_site"] = _chart_drawing(_("Exits by site"), chart)
    training = data.get("training", {}).get("by_month", {})
    attendance = [row.get("attendees_per_session") for row in training.values()]
    if any(_numbers(attendance)):
        chart = HorizontalLineChart()
        chart.data = [_numbers(attendance)]
        chart.categoryAxis.categoryNames = [m[2:] for m in training]
        chart.categoryAxis.labels.fontSize = 6
        chart.lines[0].strokeColor = COLOURS[2]
        chart.valueAxis.valueMin = 0  # a rate: from zero, never from its smallest value
        chart.valueAxis.labelTextFormat = lambda v: figure(round(v, 1))
        drawings["training"] = _chart_drawing(str(label("attendees_per_session")), chart)
    by_type = {name: row.get("distributions")
               for name, row in data.get("assistance", {}).get("by_type", {}).items()}  # fmt: skip
    if any(_numbers(by_type.values())):
        chart = HorizontalBarChart()
        chart.data = [_numbers(by_type.values())]
        chart.categoryAxis.categoryNames = list(by_type)
        chart.categoryAxis.labels.fontSize = 7
        chart.bars[0].fillColor = COLOURS[1]
        _count_axis(chart.valueAxis, chart.data[0])
        drawings["assistance"] = _chart_drawing(_("Assistance by type"), chart)
    return drawings


def pdf_story(data: dict, title: str, headline: str, note: str | None, version_line: str):
    """What the PDF holds, in order (a list of flowables; tests read it too)."""
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(version_line), styles["Italic"]),
        Paragraph(escape(headline), styles["BodyText"]),
        Spacer(1, 8),
    ]
    if note:  # protected figures: the method and its parameters (totals may differ a little)
        story.append(Paragraph(escape(note), styles["Italic"]))
    story.append(Spacer(1, 8))
    drawings = charts(data)
    for section, value in data.items():
        if section in NOT_FIGURES or section.startswith("_"):
            continue
        block = [Paragraph(escape(str(label(section))), styles["Heading2"])]
        block += _section(section, value, styles)
        story.append(KeepTogether(block[:2]))
        story += block[2:]
        if section in drawings:  # next to its table
            story += [Spacer(1, 6), drawings[section]]
        story.append(Spacer(1, 10))
    return story


def to_pdf(
    data: dict, title: str, headline: str, note: str | None = None, version_line: str = ""
) -> bytes:
    output = io.BytesIO()
    story = pdf_story(data, title, headline, note, version_line)
    SimpleDocTemplate(output, pagesize=A4, title=title).build(story)
    return output.getvalue()
