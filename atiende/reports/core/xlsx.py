"""XLSX sheets written a row at a time through XlsxWriter (pure: no Django).

XlsxWriter's constant-memory mode writes each row to a temporary file as soon as the
next one starts, so an export of 100,000 rows holds one row in memory. This module only
says how a report's values become cells: numbers by their kind (a share as a percentage,
seconds and other decimals with one or two decimals), dates and times as dates, text as
text (never a formula, whatever it starts with), and no figure as an empty cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import IO, Any

import xlsxwriter

# A column's kind -> its number format; other kinds are shown as they are.
NUMBER_FORMATS = {"share": "0.0%", "seconds": "0.0", "number": "0.00"}
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry
_MAX_TEXT = 32767  # a cell's limit in every spreadsheet


class Sheet:
    """One worksheet: ``row(values, kinds)`` appends the next row."""

    def __init__(self, book: Workbook, worksheet: Any) -> None:
        self._book, self._sheet, self._next = book, worksheet, 0

    def row(self, values: Sequence[Any], kinds: Sequence[str | None] = ()) -> None:
        r, sheet, formats = self._next, self._sheet, self._book.formats
        self._next += 1
        for c, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                if math.isfinite(value):
                    kind = kinds[c] if c < len(kinds) else None
                    style = formats.get(kind) if kind and isinstance(value, float) else None
                    sheet.write_number(r, c, value, style)
            elif isinstance(value, datetime):
                sheet.write_datetime(r, c, value.replace(tzinfo=None), formats[DATETIME_FORMAT])
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, formats[DATE_FORMAT])
            else:
                text = value.isoformat() if isinstance(value, time) else str(value)
                sheet.write_string(r, c, _BAD.sub("", text)[:_MAX_TEXT])


class Workbook:
    """Sheets written one after another: ``add_sheet(name)``, its rows, then ``close()`` for the bytes."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self._book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False,
                                                  "strings_to_formulas": False, "strings_to_urls": False})
        self.formats = {kind: self._book.add_format({"num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()}
        self.formats[DATE_FORMAT] = self._book.add_format({"num_format": DATE_FORMAT})
        self.formats[DATETIME_FORMAT] = self._book.add_format({"num_format": DATETIME_FORMAT})
        self._sheets = 0

    def add_sheet(self, name: str) -> Sheet:
        self._sheets += 1
        return Sheet(self, self._book.add_worksheet(name))

    def close(self) -> bytes:
        if not self._sheets:
            self.add_sheet("-")
        self._book.close()
        return self._target.getvalue() if hasattr(self._target, "getvalue") else b""
