"""Reading a policy roster exported from a dealer management system: CSV or XLSX, with Chinese
or English column names.

The first row names the columns. Each known column name (see COLUMNS; case, spaces,
underscores, dashes and a bracketed unit such as "(元)" do not matter) maps to one roster field;
other columns are ignored and reported. Rows are numbered as a spreadsheet shows them: the
header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

# field → (must the file have this column, accepted column names). Documented in README.md.
COLUMNS: dict[str, tuple[bool, tuple[str, ...]]] = {
    "plate": (True, ("车牌号", "车牌", "车牌号码", "plate", "plate number", "license plate")),
    "name": (
        True,
        ("车主姓名", "车主", "客户姓名", "姓名", "owner", "owner name", "name", "customer name"),
    ),
    "phone": (
        True,
        ("手机号", "手机号码", "手机", "联系电话", "联系手机", "mobile", "phone", "mobile phone"),
    ),
    "expiry_date": (
        True,
        (
            "保险到期日",
            "保险到期日期",
            "保单到期日",
            "到期日",
            "到期日期",
            "expiry date",
            "policy expiry",
            "expiry",
        ),
    ),
    "last_insurer": (
        False,
        ("上年承保公司", "承保公司", "上年保险公司", "保险公司", "last insurer", "insurer"),
    ),
    "commercial_premium": (
        False,
        ("上年商业险保费", "商业险保费", "商业险", "commercial premium", "last commercial premium"),
    ),
    "compulsory_premium": (
        False,
        ("上年交强险保费", "交强险保费", "交强险", "compulsory premium", "last compulsory premium"),
    ),
    "grade": (False, ("客户等级", "客户级别", "等级", "grade", "customer grade")),
    "model": (False, ("车型", "model", "vehicle model")),
    "vin": (False, ("车架号", "车辆识别代号", "vin")),
    "advisor": (False, ("服务顾问", "service advisor", "advisor")),
    # Keep cancelled, short-term and multi-year policies out of the 续保率 due set.
    "start_date": (
        False,
        (
            "保险起期",
            "保险起始日",
            "起保日期",
            "保单起期",
            "生效日期",
            "start date",
            "policy start",
        ),
    ),
    "status": (False, ("保单状态", "保险状态", "状态", "policy status", "status")),
}


class RosterFileError(ValueError):
    """The file as a whole cannot be read (``code``, with ``detail`` such as column names)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class RosterSheet:
    """The rows of a roster file, each as {field: raw cell value}, with its column names."""

    headers: dict[str, str]  # field → the file's own column name
    ignored: tuple[str, ...]  # columns of the file that map to no field
    missing_optional: tuple[str, ...]  # known fields the file has no column for
    rows: list[tuple[int, dict[str, Any]]]  # (row number, cells), blank rows left out


def header_key(name: str) -> str:
    """A column name reduced to what matters: no case, spacing, punctuation or unit."""
    text = unicodedata.normalize("NFKC", str(name or "")).strip().lower()
    text = re.sub(r"[(\[].*?[)\]]", "", text)  # "商业险保费(元)" → "商业险保费"
    return re.sub(r"[\s_\-*:.]+", "", text)


_ALIASES = {header_key(alias): field for field, (_, names) in COLUMNS.items() for alias in names}


def read_roster(path: Path, sheet: str | None = None) -> RosterSheet:
    """Read a .csv or .xlsx roster file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(path.read_bytes())
    elif suffix in (".xlsx", ".xlsm"):
        table = _xlsx_rows(path, sheet)
    else:
        raise RosterFileError("unsupported_file", path.suffix or path.name)
    try:
        header = next(table)
    except StopIteration:
        raise RosterFileError("empty_file") from None
    return _map_columns(header, table)


def _map_columns(header: list[Any], table: Iterator[list[Any]]) -> RosterSheet:
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored = []
    for position, raw in enumerate(header):
        name = str(raw).strip() if raw is not None else ""
        field = _ALIASES.get(header_key(name))
        if field is None:
            if name:
                ignored.append(name)
            continue
        if field in positions:
            raise RosterFileError("duplicate_column", f"{names[field]}, {name}")
        positions[field] = position
        names[field] = name
    missing = [f for f, (required, _) in COLUMNS.items() if required and f not in positions]
    if missing:
        raise RosterFileError("missing_columns", ", ".join(COLUMNS[f][1][0] for f in missing))
    rows = []
    for number, cells in enumerate(table, start=2):
        values = {f: cells[i] if i < len(cells) else None for f, i in positions.items()}
        if any(v not in (None, "") and str(v).strip() for v in values.values()):
            rows.append((number, values))
    optional_missing = tuple(f for f in COLUMNS if f not in positions)
    return RosterSheet(names, tuple(ignored), optional_missing, rows)


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); everything else sends UTF-8.
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise RosterFileError("unknown_encoding") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    return iter(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or mislabelled file
        raise RosterFileError("unreadable_xlsx", type(error).__name__) from None
    if sheet is not None and sheet not in book.sheetnames:
        raise RosterFileError("unknown_sheet", sheet)
    worksheet = book[sheet] if sheet is not None else book.worksheets[0]

    def rows() -> Iterator[list[Any]]:
        try:
            for row in worksheet.iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()

    return rows()
