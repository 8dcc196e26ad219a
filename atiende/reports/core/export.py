"""A report written as CSV, JSON, XLSX (XlsxWriter, streamed) or PDF (ReportLab): pure, bytes out.

Every format carries the same figures. Shares are fractions (0.853) in CSV and JSON,
percentages formatted as such in XLSX and PDF; durations are seconds; an empty cell
means no figure (nothing was counted). CSV holds every section one after another,
each under its title line; XLSX has one sheet per section; JSON is
:meth:`Report.to_json`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from atiende.reports.core import xlsx
from atiende.reports.core.rows import LABELS, Column, Report, localized

FORMATS = ("csv", "xlsx", "pdf", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8", "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf",
}


def plain(value: Any, column: Column) -> Any:
    """A cell for CSV: numbers as numbers (shares as fractions), dates in ISO, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4) if column.kind == "share" else round(value, 1)
    return value


def shown(value: Any, column: Column, language: str = "es") -> str:
    """A cell for people (PDF, pages): shares as percentages, durations in seconds, Spanish decimals."""
    if value is None:
        return "—"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if column.kind == "code" and str(value) in LABELS:
        return LABELS[str(value)][1 if language.startswith("en") else 0]
    if column.kind == "share" and isinstance(value, int | float):
        text = f"{value * 100:.1f} %"
    elif isinstance(value, float):
        text = f"{value:.1f}"
    else:
        return str(value)
    return text if language.startswith("en") else text.replace(".", ",")


def cell(row: dict[str, Any], column: Column, language: str = "es") -> str:
    """A row's cell for people: a named figure's value is shown by its own kind (a share, seconds...)."""
    value = localized(row, column, language)
    if column.key == "value" and row.get("kind"):
        column = Column(column.key, column.es, column.en, str(row["kind"]))
    return shown(value, column, language)


def _title(report: Report, language: str) -> str:
    return f"{report.name}: {report.period.first.isoformat()} – {report.period.last.isoformat()}"


def to_csv(report: Report, language: str = "es") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_title(report, language), *(f"{k}={v}" for k, v in sorted(report.filters.items()))])
    for section in report.sections:
        writer.writerow([])
        writer.writerow([section.title(language)])
        writer.writerow([c.label(language) for c in section.columns])
        for row in section.rows:
            writer.writerow([plain(localized(row, c, language), c) for c in section.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM lets spreadsheets read the accents


def to_json(report: Report, language: str = "es") -> bytes:
    return json.dumps(report.to_json(language), ensure_ascii=False, indent=2).encode("utf-8")


def to_xlsx(report: Report, language: str = "es") -> bytes:
    """One sheet per section: the report's title, the column labels, then the rows (streamed, see xlsx.py)."""
    out = io.BytesIO()
    book = xlsx.Workbook(out)
    used: set[str] = set()
    for section in report.sections:
        sheet = book.add_sheet(_sheet_name(section.title(language), used))
        sheet.row([_title(report, language)])
        sheet.row([c.label(language) for c in section.columns])
        kinds = [c.kind for c in section.columns]
        for row in section.rows:
            sheet.row([localized(row, column, language) for column in section.columns],
                      [str(row["kind"]) if column.key == "value" and row.get("kind") else kind
                       for column, kind in zip(section.columns, kinds, strict=True)])
    return book.close()


def _sheet_name(title: str, used: set[str]) -> str:
    """A sheet name a spreadsheet takes: at most 31 characters, none of []:*?/\\, no quote at either end, unique."""
    base = "".join(ch for ch in title if ch not in "[]:*?/\\").strip("'")[:28] or "-"
    name, n = base, 2
    while name.casefold() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.casefold())
    return name


def to_pdf(report: Report, language: str = "es") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    out = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), title=_title(report, language), author="Atiende")
    story: list[Any] = [Paragraph(_escape(_title(report, language)), styles["Title"])]
    if report.filters:
        story.append(Paragraph(_escape(", ".join(f"{k}: {v}" for k, v in sorted(report.filters.items()))),
                               styles["Normal"]))
    for section in report.sections:
        story += [Spacer(1, 12), Paragraph(_escape(section.title(language)), styles["Heading2"])]
        style = styles["BodyText"]
        data = [[Paragraph(_escape(c.label(language)), style) for c in section.columns]]
        data += [[Paragraph(_escape(cell(row, c, language)), style) for c in section.columns]
                 for row in section.rows]
        table = Table(data, repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    doc.build(story)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(report: Report, fmt: str, language: str = "es") -> bytes:
    writers = {"csv": to_csv, "json": to_json, "xlsx": to_xlsx, "pdf": to_pdf}
    return writers[fmt](report, language)
