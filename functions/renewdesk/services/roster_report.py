"""What a roster import tells people, for every front end (the CLI, the console, the download),
in Chinese by default: where the header was and how the columns map, the rows skipped, each
problem with its row and column, and the rejects file.

The rejects file has the file's own header and every original cell of each rejected row, plus
the reasons, so the supervisor corrects the cells in Excel and imports the file as it is (the
reason columns are recognised and left out then).
"""

from __future__ import annotations

import datetime as dt
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
        cells = [_as_written(c) for c in rejected[row]][: len(header)]
        cells += [None] * (len(header) - len(cells))
        table.append([*cells, "；".join(reasons.get(row, [])), row])
    return table


def _as_written(cell: Any) -> Any:
    """A cell as Excel would show it again: whole numbers without ".0" or an exponent
    (13800138000.0 stays a phone number), dates without a midnight time."""
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    if isinstance(cell, (dt.date, dt.datetime)):
        return cell.isoformat(sep=" ") if isinstance(cell, dt.datetime) else cell.isoformat()
    return cell


def header_notice(sheet: RosterSheet, language: str) -> str:
    """表头在第 3 行（工作表“花名册”）"""
    rows = "–".join(str(r) for r in sheet.header_rows)
    where = i18n.message(language, "imports.sheet", sheet=sheet.sheet) if sheet.sheet else ""
    return i18n.message(language, "imports.header_found", rows=rows, sheet=where)


def field_label(name: str, language: str) -> str:
    """A roster field's name for people (车牌号, 手机号, ...)."""
    key = f"imports.field.{name}"
    return i18n.message(language, key) if key in i18n.catalog(language) else name


def mapping(sheet: RosterSheet) -> list[tuple[str, str]]:
    """(field, the file's column) in the order of the file's columns."""
    return sorted(sheet.headers.items(), key=lambda item: sheet.positions[item[0]])


def mapping_notice(sheet: RosterSheet, language: str) -> str:
    """列对应：车牌号←“车牌”、…"""
    pairs = "、".join(
        i18n.message(
            language, "imports.mapping_pair", field=field_label(name, language), column=column
        )
        for name, column in mapping(sheet)
    )
    return i18n.message(language, "imports.mapping", pairs=pairs)


def notices(sheet: RosterSheet, language: str) -> list[str]:
    """Everything worth saying about how the file was read, one line each."""
    lines = [header_notice(sheet, language), mapping_notice(sheet, language)]
    for name, used, unused in sheet.duplicates:
        lines.append(
            i18n.message(
                language,
                "imports.duplicate_column",
                field=field_label(name, language),
                used=used,
                unused=unused,
            )
        )
    if sheet.ignored:
        lines.append(
            i18n.message(language, "roster.ignored_columns", columns="、".join(sheet.ignored))
        )
    if sheet.missing_optional:
        names = "、".join(field_label(f, language) for f in sheet.missing_optional)
        lines.append(i18n.message(language, "roster.missing_optional", columns=names))
    if sheet.skipped:
        lines.append(skipped_notice(sheet, language))
    return lines


def skipped_notice(sheet: RosterSheet, language: str) -> str:
    """One line for every row that is no record (totals, notes, a repeated header)."""
    shown = [
        i18n.message(
            language,
            "imports.skipped.row",
            row=str(row.number),
            kind=i18n.message(language, f"imports.skipped.{row.kind}"),
        )
        for row in sheet.skipped[:SHOWN_SKIPPED]
    ]
    if len(sheet.skipped) > SHOWN_SKIPPED:
        shown.append(i18n.message(language, "imports.skipped.more"))
    return i18n.message(
        language, "imports.skipped", count=str(len(sheet.skipped)), rows="、".join(shown)
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
