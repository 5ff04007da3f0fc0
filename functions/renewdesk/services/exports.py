"""Every CSV and XLSX the product writes goes through here, so no cell can run a formula.

OWASP's CSV-injection rule: a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read by Excel as a formula (``=HYPERLINK(...)`` in a close note would become
a link), so such text gets a leading apostrophe. Numbers stay numbers: a real ``-12.5`` in a
numeric column is passed as a number and written as it is. In XLSX every text cell is stored as
text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Iterable, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = (int, float, Decimal)


@dataclass(frozen=True)
class Percent:
    """A rate (a fraction) shown as a percentage: "83.33%" in CSV, a number formatted 0.00% in
    XLSX, so both files carry the same figure."""

    value: float

    def __str__(self) -> str:
        return f"{self.value * 100:.2f}%"


def csv_cell(value: Any) -> str:
    """One cell as CSV text: None empty, numbers as they are, risky text neutralised."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return str(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, NUMBER):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unneutralised(text: str) -> str:
    """A cell read back from a file we wrote: the apostrophe csv_cell added, taken off."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """Rows as a CSV that Excel opens with Chinese intact: UTF-8 with a BOM, CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_csv(out: IO[str], rows: Iterable[Iterable[Any]]) -> None:
    """Rows into an open text file, each cell through csv_cell."""
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])


def xlsx_bytes(sheets: Mapping[str, Iterable[Iterable[Any]]]) -> bytes:
    """Sheets (name → rows) as an XLSX workbook; text cells are text, never formulas."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        for row in rows:
            values = list(row)
            sheet.append([v.value if isinstance(v, Percent) else v for v in values])
            for cell, value in zip(sheet[sheet.max_row], values, strict=False):
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would store "=..." as a formula
                elif isinstance(value, Percent):
                    cell.number_format = "0.00%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
