"""Reading a table exported from a dealer management system (DMS): CSV or XLSX, as those systems
write them.

The header row is found, not assumed: title rows, merged cells and blank rows may sit above it,
and a two-row header (a merged group label over its sub-columns) is read as one. Each known
column name (see COLUMNS; case, spaces, underscores, dashes and a bracketed unit such as "(元)"
do not matter) maps to one field; other columns are kept for the rejects file and named as
ignored. Rows below the header that are totals (合计), notes (注：…), or the header repeated at a
page break are recognised and skipped, each kind once in the notice. With several sheets, the
named one is read, else the first with a recognisable header. Rows are numbered as the
spreadsheet shows them (1 is the file's first row). The same reader serves the roster and the
SMS platform's reply export (``read_table`` with another column table).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

# field → (must the file have this column, accepted column names). Documented in docs/roster.md.
Columns = dict[str, tuple[bool, tuple[str, ...]]]
COLUMNS: Columns = {
    "plate": (True, ("车牌号", "车牌", "车牌号码", "plate", "plate number", "license plate")),
    "name": (
        True,
        ("车主姓名", "车主", "客户姓名", "姓名", "owner", "owner name", "name", "customer name"),
    ),
    "phone": (
        True,
        (
            "手机号",
            "手机号码",
            "手机",
            "联系手机",
            "联系电话",
            "mobile",
            "phone",
            "mobile phone",
        ),
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

# Where the header may be: DMS exports put a title, the export time and blank rows above it.
HEADER_SCAN_ROWS = 30
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# Rows below the header that are no record: totals and notes (the text a cell starts with).
TOTAL_RE = re.compile(r"^(合计|总计|小计|共计|汇总|总数|total|subtotal|sum|grand total)\b", re.I)
NOTE_RE = re.compile(
    r"^(注|备注|说明|制表|打印|导出|数据来源|来源|截至|截止|统计|审核|第\s*\d+\s*页|共\s*\d+\s*(页|条|行)"
    r"|note|notes|printed|exported)",
    re.I,
)
XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


class RosterFileError(ValueError):
    """The file as a whole cannot be read (``code``, with ``detail`` such as column names)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class TableRow:
    """One data row: its spreadsheet row number, every original cell, and the mapped values."""

    number: int
    cells: tuple[Any, ...]
    values: dict[str, Any]


@dataclass(frozen=True)
class SkippedRow:
    """A row below the header that is no record: ``total``, ``note`` or ``header`` (repeated)."""

    number: int
    kind: str


@dataclass(frozen=True)
class RosterSheet:
    """A table read from a file: where its header was, how columns map, its rows."""

    headers: dict[str, str]  # field → the file's own column name
    positions: dict[str, int]  # field → column position
    header: tuple[str, ...]  # the header row as the file has it (every column, for rejects)
    header_rows: tuple[int, ...]  # spreadsheet rows of the header (two for a two-row header)
    ignored: tuple[str, ...]  # columns of the file that map to no field
    missing_optional: tuple[str, ...]  # known fields the file has no column for
    rows: list[TableRow]  # data rows, blank rows left out
    skipped: tuple[SkippedRow, ...] = ()
    sheet: str | None = None  # XLSX: the sheet read
    sheets: tuple[str, ...] = ()  # XLSX: every sheet of the workbook
    duplicates: tuple[tuple[str, str, str], ...] = ()  # (field, column used, column not used)
    columns: Columns = field(default_factory=lambda: COLUMNS, repr=False)

    @property
    def header_row(self) -> int:
        """The (last) row of the header: data starts below it."""
        return self.header_rows[-1]


def header_key(name: Any) -> str:
    """A column name reduced to what matters: no case, spacing, punctuation or unit."""
    text = unicodedata.normalize("NFKC", str(name if name is not None else "")).strip().lower()
    text = re.sub(r"[(\[（【].*?[)\]）】]", "", text)  # "商业险保费(元)" → "商业险保费"
    return re.sub(r"[\s_\-*:.：]+", "", text)


def _aliases(columns: Columns) -> dict[str, tuple[str, int]]:
    """Column-name key → (field, rank of the name among the field's names: lower is surer)."""
    return {
        header_key(alias): (name, rank)
        for name, (_, aliases) in columns.items()
        for rank, alias in enumerate(aliases)
    }


def read_roster(path: Path, sheet: str | None = None) -> RosterSheet:
    """Read a .csv or .xlsx roster file from disk."""
    return read_table(path.read_bytes(), path.name, COLUMNS, sheet)


CSV_SUFFIXES = (".csv", ".txt", ".tsv", "")


def read_table(
    data: bytes,
    filename: str,
    columns: Columns = COLUMNS,
    sheet: str | None = None,
    dropped: frozenset[str] = frozenset(),
) -> RosterSheet:
    """Read a CSV or XLSX file's table (told apart by content, then by name); ``dropped``:
    header keys of columns to leave out silently (the reason columns of a rejects file)."""
    name = Path(filename).name
    suffix = Path(filename).suffix.lower()
    if data.startswith(OLD_EXCEL_MAGIC) or suffix == ".xls":
        raise RosterFileError("old_excel", name)
    if data.startswith(XLSX_MAGIC):
        return _from_workbook(data, columns, sheet, dropped)
    if suffix in (".xlsx", ".xlsm"):
        raise RosterFileError("unreadable_xlsx", "BadZipFile")
    if suffix not in CSV_SUFFIXES:
        raise RosterFileError("unsupported_file", suffix)
    if not data.strip():
        raise RosterFileError("empty_file")
    return _from_rows(list(_limited(_csv_rows(data))), columns, dropped)


def _limited(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    for count, row in enumerate(rows):
        if count > MAX_ROWS + HEADER_SCAN_ROWS:
            raise RosterFileError("too_many_rows", str(MAX_ROWS))
        if len(row) > MAX_COLUMNS:
            row = row[:MAX_COLUMNS]
        yield row


def _from_workbook(
    data: bytes, columns: Columns, sheet: str | None, dropped: frozenset[str]
) -> RosterSheet:
    from openpyxl import load_workbook

    try:
        # read-only streams rows; openpyxl parses with defusedxml when it is installed.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or mislabelled file
        raise RosterFileError("unreadable_xlsx", type(error).__name__) from None
    try:
        names = tuple(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise RosterFileError("unknown_sheet", sheet)
        wanted = [sheet] if sheet is not None else list(names)
        first_problem: RosterFileError | None = None
        for name in wanted:
            worksheet = book[name]
            worksheet.reset_dimensions()  # some DMS write a wrong dimension: read every cell
            rows = [list(r) for r in _limited(worksheet.iter_rows(values_only=True))]
            try:
                found = _from_rows(rows, columns, dropped)
            except RosterFileError as problem:
                if sheet is not None or problem.code not in ("missing_columns", "no_header"):
                    raise
                first_problem = first_problem or problem
                continue
            return _with_sheet(found, name, names)
        raise first_problem or RosterFileError("empty_file")
    finally:
        book.close()


def _with_sheet(table: RosterSheet, name: str, names: tuple[str, ...]) -> RosterSheet:
    return dataclasses.replace(table, sheet=name, sheets=names)


def _text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


def _map_header(
    row: list[Any], aliases: dict[str, tuple[str, int]]
) -> dict[str, list[tuple[int, int]]]:
    """Field → [(rank of the name, position)] of the recognised names in a row."""
    found: dict[str, list[tuple[int, int]]] = {}
    for position, cell in enumerate(row):
        hit = aliases.get(header_key(cell)) if _text(cell) else None
        if hit is not None:
            found.setdefault(hit[0], []).append((hit[1], position))
    return found


def _from_rows(rows: list[list[Any]], columns: Columns, dropped: frozenset[str]) -> RosterSheet:
    aliases = _aliases(columns)
    required = [f for f, (needed, _) in columns.items() if needed]
    if not any(any(_text(c) for c in row) for row in rows):
        raise RosterFileError("empty_file")
    best: dict[str, list[tuple[int, int]]] = {}
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = _map_header(row, aliases)
        below = rows[index + 1] if index + 1 < len(rows) else []
        sub = _sub_header(below, found, aliases) if found else {}
        names = {**found, **sub}
        if all(f in names for f in required):
            return _table(rows, index, found, sub, columns, dropped)
        if len(names) > len(best):
            best = names
    if len(best) < 2:
        raise RosterFileError("no_header", "、".join(columns[f][1][0] for f in required))
    missing = [f for f in required if f not in best]
    raise RosterFileError("missing_columns", ", ".join(columns[f][1][0] for f in missing))


def _table(
    rows: list[list[Any]],
    index: int,
    found: dict[str, list[tuple[int, int]]],
    sub: dict[str, list[tuple[int, int]]],
    columns: Columns,
    dropped: frozenset[str],
) -> RosterSheet:
    header = list(rows[index])
    header_rows = [index + 1]
    if sub:
        # A two-row header: the lower row names the sub-columns of a merged group label.
        below = rows[index + 1]
        width = max(len(header), len(below))
        upper = header + [None] * (width - len(header))
        header = [
            below[p] if p < len(below) and _text(below[p]) else upper[p] for p in range(width)
        ]
        header_rows.append(index + 2)
        found = {**found, **sub}
    positions: dict[str, int] = {}
    duplicates = []
    for name, hits in found.items():
        hits = sorted(hits)  # the surer name first (its rank in COLUMNS), then the leftmost
        positions[name] = hits[0][1]
        duplicates += [(name, _text(header[hits[0][1]]), _text(header[p])) for _, p in hits[1:]]
    used = set(positions.values())
    header_text = tuple(_text(c) for c in header)
    ignored = tuple(
        text
        for p, text in enumerate(header_text)
        if text and p not in used and header_key(text) not in dropped
    )
    width = _kept_width(header_text, dropped)
    table_rows, skipped = _data_rows(rows, header_rows[-1], positions, columns, width)
    return RosterSheet(
        headers={name: header_text[p] for name, p in positions.items()},
        positions=positions,
        header=header_text[:width],
        header_rows=tuple(header_rows),
        ignored=ignored,
        missing_optional=tuple(f for f in columns if f not in positions),
        rows=table_rows,
        skipped=tuple(skipped),
        duplicates=tuple(duplicates),
        columns=columns,
    )


def _kept_width(header: tuple[str, ...], dropped: frozenset[str]) -> int:
    """How many columns the rejects file keeps: up to the last one that is not a dropped
    reason column (those are added again, freshly, at the end)."""
    width = len(header)
    while width and (not header[width - 1] or header_key(header[width - 1]) in dropped):
        width -= 1
    return width


def _sub_header(
    below: list[Any], found: dict[str, list[tuple[int, int]]], aliases: dict[str, tuple[str, int]]
) -> dict[str, list[tuple[int, int]]]:
    """The names the row below a header adds, when that row is the header's second line: it
    names fields the header does not, under cells the header leaves unnamed, and has nothing
    under the columns the header names (vertically merged cells leave those empty)."""
    named = {p for hits in found.values() for _, p in hits}
    if any(_text(below[p]) for p in named if p < len(below)):
        return {}
    return {
        name: hits
        for name, hits in _map_header(below, aliases).items()
        if name not in found and all(p not in named for _, p in hits)
    }


def _data_rows(
    rows: list[list[Any]], header_row: int, positions: dict[str, int], columns: Columns, width: int
) -> tuple[list[TableRow], list[SkippedRow]]:
    aliases = _aliases(columns)
    needed = [f for f, (must, _) in columns.items() if must]
    required = {positions[f] for f in needed}
    found: list[TableRow] = []
    skipped: list[SkippedRow] = []
    if len(rows) - header_row > MAX_ROWS:
        raise RosterFileError("too_many_rows", str(MAX_ROWS))
    for number, cells in enumerate(rows[header_row:], start=header_row + 1):
        filled = [(p, c) for p, c in enumerate(cells) if _text(c)]
        if not filled:
            continue
        probe = positions[needed[0]]
        if (
            probe < len(cells)
            and header_key(cells[probe]) in aliases
            and all(f in _map_header(cells, aliases) for f in needed)
        ):
            skipped.append(SkippedRow(number, "header"))  # repeated at each printed page
            continue
        kind = _not_a_record(cells, filled, required, positions)
        if kind is not None:
            skipped.append(SkippedRow(number, kind))
            continue
        values = {f: cells[p] if p < len(cells) else None for f, p in positions.items()}
        kept = tuple(cells[:width]) + (None,) * max(0, width - len(cells))
        found.append(TableRow(number, kept, values))
    return found, skipped


def _not_a_record(
    cells: list[Any], filled: list[tuple[int, Any]], required: set[int], positions: dict[str, int]
) -> str | None:
    """``total`` or ``note`` for a row that is no record, else None."""
    texts = [unicodedata.normalize("NFKC", _text(c)).replace(" ", "") for _, c in filled]
    plate_like = _plate_like(cells, positions)
    if any(TOTAL_RE.match(t) for t in texts) and not plate_like:
        return "total"
    has_required = any(p in required for p, _ in filled)
    if not has_required and all(_is_number(c) for _, c in filled):
        return "total"  # sums under the number columns, with no label
    if not plate_like and NOTE_RE.match(texts[0]) and len(filled) <= 2:
        return "note"
    if not has_required and len(filled) <= 2:
        return "note"
    if len(filled) == 1 and not plate_like and len(texts[0]) > 12:
        return "note"  # one long sentence
    return None


def _plate_like(cells: list[Any], positions: dict[str, int]) -> bool:
    position = positions.get("plate")
    if position is None or position >= len(cells):
        return False
    from renewdesk.services.fields import PLATE_RE

    text = re.sub(r"[\s\-·.•]", "", unicodedata.normalize("NFKC", _text(cells[position]))).upper()
    return bool(PLATE_RE.fullmatch(text))


def _is_number(cell: Any) -> bool:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return True
    return bool(re.fullmatch(r"[¥￥]?-?[\d,]+(\.\d+)?元?", _text(cell)))


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    # Excel on Chinese Windows saves CSV as GB18030 (GBK), "Unicode text" as UTF-16 with tabs;
    # everything else sends UTF-8, often with a byte-order mark.
    text = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        raise RosterFileError("unknown_encoding")
    if "\x00" in text:
        raise RosterFileError("unknown_encoding")
    from renewdesk.services.exports import unneutralised

    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    # Title rows have no delimiters: the one the most cells of any early line are split by.
    delimiter = max(",\t;", key=lambda d: max((line.count(d) for line in lines), default=0))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield [unneutralised(cell) for cell in row]
    except csv.Error:  # a cell over the csv module's 128 KiB, a NUL byte: no table
        raise RosterFileError("unreadable_csv", str(reader.line_num)) from None
