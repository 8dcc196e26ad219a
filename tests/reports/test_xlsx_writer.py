"""XLSX exports: what a spreadsheet reads back is what was written (read with openpyxl)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from atiende.reports.core import export, xlsx
from atiende.reports.core.rows import Column, Period, Report, Section


def test_values_formats_and_awkward_text_read_back():
    out = io.BytesIO()
    book = xlsx.Workbook(out)
    sheet = book.add_sheet("Llamadas & <esperas>")
    sheet.row(["Título con acentos: ñandú", None, "  espacios  "])
    sheet.row([1, 2.5, 0.853, 12.25, 3.14159, True], [None, None, "share", "seconds", "number", None])
    sheet.row(["a < b & c > d \"x\" 'y'", "control\x01\x0bchars", "línea\nnueva\tcon tab", "=1+1", "0042"])
    sheet.row([date(2026, 10, 25), datetime(2026, 10, 25, 13, 45, 30, tzinfo=UTC), float("inf"), ""])
    book.add_sheet("Vacía")
    content = book.close()
    read = load_workbook(io.BytesIO(content))
    assert read.sheetnames == ["Llamadas & <esperas>", "Vacía"]
    sheet = read["Llamadas & <esperas>"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Título con acentos: ñandú", None, "  espacios  "]
    assert rows[1] == [1, 2.5, 0.853, 12.25, 3.14159, True]
    assert [c.number_format for c in sheet[2]][2:5] == ["0.0%", "0.0", "0.00"]
    # text stays text: never a formula, never a number, control characters dropped
    assert rows[2][:5] == ["a < b & c > d \"x\" 'y'", "controlchars", "línea\nnueva\tcon tab", "=1+1", "0042"]
    assert rows[3][:2] == [datetime(2026, 10, 25), datetime(2026, 10, 25, 13, 45, 30)]
    assert sheet["A4"].number_format == "yyyy-mm-dd"
    assert rows[3][2:4] == [None, None]  # no figure: an empty cell, never a made-up number


def test_report_export_has_one_sheet_per_section_with_its_figures():
    columns = [Column("channel", "Canal", "Channel", "code"), Column("share", "Proporción", "Share", "share"),
               Column("seconds", "Segundos", "Seconds", "seconds")]
    sections = [Section("a", "Por canal: resumen", "By channel", columns,
                        [{"channel": "email", "share": 0.5, "seconds": 30.25}, {"channel": "chat", "share": None,
                                                                                 "seconds": None}]),
                Section("b", "Por canal: resumen", "By channel", columns, []),
                Section("c", "'Citado' [x]: y/z?", "'Quoted' [x]: y/z?", columns, [])]
    report = Report("volume", Period(date(2026, 1, 1), date(2026, 1, 31)), {}, sections)
    book = load_workbook(io.BytesIO(export.to_xlsx(report, "en")))
    assert len(book.sheetnames) == 3 and len(set(book.sheetnames)) == 3  # same titles, distinct sheet names
    assert book.sheetnames[2] == "Quoted' x yz"  # no character a spreadsheet refuses, no quote at its start
    rows = [[c.value for c in row] for row in book[book.sheetnames[0]].iter_rows()]
    assert rows[0][0] == "volume: 2026-01-01 – 2026-01-31"
    assert rows[1] == ["Channel", "Share", "Seconds"]
    assert rows[2] == ["email", 0.5, 30.25] and rows[3] == ["chat", None, None]
    assert book[book.sheetnames[0]]["B3"].number_format == "0.0%"
