"""What a roster import tells people, for every front end (the CLI, the console, the download),
in Chinese by default: where the header was and how the columns map, the rows skipped, each
problem with its row and column, and the rejects file.

The rejects file has the file's own header and every original cell of each rejected row, plus
the reasons, so the supervisor corrects the cells in Excel and imports the file as it is (the
reason columns are recognised and left out then).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from renewdesk import i18n
from renewdesk.services.roster import Rejection
from renewdesk.services.roster_files import RosterSheet, header_key

REASON_COLUMN = "imports.rejects.reason"
ROW_COLUMN = "imports.rejects.row"
SHOWN_SKIPPED = 10


def dropped_columns() -> frozenset[str]:
    """Header keys of the columns a rejects file adds, in every language: an import of a
    corrected rejects file leaves them out without a word."""
    return frozenset(
        header_key(i18n.message(language, key))
        for language in i18n.LANGUAGES
        for key in (REASON_COLUMN, ROW_COLUMN)
    )


def describe(problem: Rejection, language: str) -> str:
    """Why a cell was refused, in words (a field-specific text when there is one)."""
    specific = f"roster.reason.{problem.code}.{problem.field}"
    if specific in i18n.catalog(language):
        return i18n.message(language, specific)
    return i18n.message(
        language, f"roster.reason.{problem.code}", first_row=str(problem.first_row or "")
    )


def located(problem: Rejection, language: str) -> str:
    """A problem with its row and column: 第 12 行“手机号”列：…"""
    return i18n.message(
        language,
        "roster.rejected_row",
        row=str(problem.row),
        column=problem.column,
        reason=describe(problem, language),
    )


def rejects_table(
    header: Iterable[str],
    rejected: dict[int, tuple[Any, ...]],
    problems: Iterable[Rejection],
    language: str,
) -> list[list[Any]]:
    """Rows of the rejects file: the header with the two reason columns, then each rejected
    row's cells (as the file had them) with its reasons and its row number in the file."""
    header = list(header)
    reasons: dict[int, list[str]] = {}
    for problem in problems:
        if problem.row in rejected:
            reasons.setdefault(problem.row, []).append(
                i18n.message(
                    language,
                    "imports.rejects.cell",
                    column=problem.column,
                    reason=describe(problem, language),
                )
            )
    table: list[list[Any]] = [
        [*header, i18n.message(language, REASON_COLUMN), i18n.message(language, ROW_COLUMN)]
    ]
    for row in sorted(rejected):
        cells = [as_written(c) for c in rejected[row]][: len(header)]
        cells += [None] * (len(header) - len(cells))
        table.append([*cells, "；".join(reasons.get(row, [])), row])
    return table


def as_written(cell: Any) -> Any:
    """A cell as Excel would show it again: whole numbers without ".0" or an exponent
    (13800138000.0 stays a phone number), dates without a midnight time."""
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    if isinstance(cell, (dt.date, dt.datetime)):
        return cell.isoformat(sep=" ") if isinstance(cell, dt.datetime) else cell.isoformat()
    return cell


@dataclass(frozen=True)
class SheetReading:
    """How a file was read, kept with its import: what the preview and the summary say."""

    header_rows: tuple[int, ...]
    sheet: str | None
    sheets: tuple[str, ...]
    mapping: tuple[tuple[str, str], ...]  # (field, the file's column), in the file's order
    duplicates: tuple[tuple[str, str, str], ...] = ()  # (field, column used, column not used)
    ignored: tuple[str, ...] = ()
    missing_optional: tuple[str, ...] = ()
    skipped: tuple[tuple[int, str], ...] = ()  # (row, total | note | header)

    @classmethod
    def of(cls, sheet: RosterSheet) -> SheetReading:
        return cls(
            header_rows=sheet.header_rows,
            sheet=sheet.sheet,
            sheets=sheet.sheets,
            mapping=tuple(sorted(sheet.headers.items(), key=lambda i: sheet.positions[i[0]])),
            duplicates=sheet.duplicates,
            ignored=sheet.ignored,
            missing_optional=sheet.missing_optional,
            skipped=tuple((row.number, row.kind) for row in sheet.skipped),
        )


def header_notice(reading: SheetReading, language: str) -> str:
    """表头在第 3 行（工作表“花名册”）"""
    rows = "–".join(str(r) for r in reading.header_rows)
    where = i18n.message(language, "imports.sheet", sheet=reading.sheet) if reading.sheet else ""
    return i18n.message(language, "imports.header_found", rows=rows, sheet=where)


def field_label(name: str, language: str) -> str:
    """A roster field's name for people (车牌号, 手机号, ...)."""
    key = f"imports.field.{name}"
    return i18n.message(language, key) if key in i18n.catalog(language) else name


def mapping_notice(reading: SheetReading, language: str) -> str:
    """列对应：车牌号←“车牌”、…"""
    pairs = "、".join(
        i18n.message(
            language, "imports.mapping_pair", field=field_label(name, language), column=column
        )
        for name, column in reading.mapping
    )
    return i18n.message(language, "imports.mapping", pairs=pairs)


def notices(reading: SheetReading, language: str) -> list[str]:
    """Everything worth saying about how the file was read, one line each."""
    lines = [header_notice(reading, language), mapping_notice(reading, language)]
    for name, used, unused in reading.duplicates:
        lines.append(
            i18n.message(
                language,
                "imports.duplicate_column",
                field=field_label(name, language),
                used=used,
                unused=unused,
            )
        )
    if reading.ignored:
        lines.append(
            i18n.message(language, "roster.ignored_columns", columns="、".join(reading.ignored))
        )
    if reading.missing_optional:
        names = "、".join(field_label(f, language) for f in reading.missing_optional)
        lines.append(i18n.message(language, "roster.missing_optional", columns=names))
    if reading.skipped:
        lines.append(skipped_notice(reading, language))
    return lines


def skipped_notice(reading: SheetReading, language: str) -> str:
    """One line for every row that is no record (totals, notes, a repeated header)."""
    shown = [
        i18n.message(
            language,
            "imports.skipped.row",
            row=str(number),
            kind=i18n.message(language, f"imports.skipped.{kind}"),
        )
        for number, kind in reading.skipped[:SHOWN_SKIPPED]
    ]
    if len(reading.skipped) > SHOWN_SKIPPED:
        shown.append(i18n.message(language, "imports.skipped.more"))
    return i18n.message(
        language, "imports.skipped", count=str(len(reading.skipped)), rows="、".join(shown)
    )


def warning(problem: Rejection, language: str) -> str:
    """A kept row's problem with an optional cell."""
    return i18n.message(
        language,
        "imports.warning_row",
        row=str(problem.row),
        column=problem.column,
        reason=describe(problem, language),
    )
