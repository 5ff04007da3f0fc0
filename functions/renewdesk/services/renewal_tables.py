"""The 续保率 board and the defeat analysis as tables: the same figures as the JSON, one sheet
per table, for CSV (all tables one after another) and XLSX (one sheet each), both written by
services/exports.py (no cell can run a formula). ``label`` turns a catalog key into text."""

from __future__ import annotations

from typing import Any, Callable

from renewdesk.services import clock
from renewdesk.services.exports import Percent, csv_bytes, xlsx_bytes

Label = Callable[..., str]
FIGURE_COLUMNS = (
    ("due", "count"),
    ("due", "premium"),
    ("renewed", "count"),
    ("renewed", "premium"),
    ("rate_count", None),
    ("rate_premium", None),
    ("quoted", "count"),
    ("quote_rate", None),
    ("quote_win_rate", None),
    ("lost", "count"),
    ("lost", "premium"),
    ("lapsed", "count"),
    ("lapsed", "premium"),
    ("not_contacted", "count"),
    ("open", "count"),
)


def _rate(value: float | None) -> Percent | None:
    return None if value is None else Percent(value)


def _figure(group: dict[str, Any], key: str, part: str | None) -> Any:
    value = group[key] if part is None else group[key][part]
    return _rate(value) if part is None else value


def _header(label: Label) -> list[str]:
    return [
        label(f"renewals.col.{key}" + (f".{part}" if part else "")) for key, part in FIGURE_COLUMNS
    ]


def board_sheets(board: dict[str, Any], label: Label) -> dict[str, list[list[Any]]]:
    """Sheet name → rows."""
    summary: list[list[Any]] = [
        [label("renewals.title"), board["month"]],
        [label("renewals.as_of"), board["as_of"]],
        [],
        [label("renewals.metric"), label("renewals.value")],
    ]
    for (key, part), title in zip(FIGURE_COLUMNS, _header(label), strict=True):
        summary.append([title, _figure(board, key, part)])
    target = board["target"]
    summary += [
        [],
        [label("renewals.target.rate_count"), _rate(target.get("rate_count"))],
        [label("renewals.target.rate_premium"), _rate(target.get("rate_premium"))],
        *[
            [label("renewals.target.grade", grade=grade), _rate(rate)]
            for grade, rate in target["by_grade"].items()
        ],
    ]
    sheets: dict[str, list[list[Any]]] = {label("renewals.sheet.summary"): summary}
    for split in ("by_grade", "by_specialist", "by_insurer"):
        rows: list[list[Any]] = [[label(f"renewals.{split}"), *_header(label)]]
        for name, group in board[split].items():
            shown = label(f"renewals.none.{split}") if name == "none" else name
            rows.append([shown, *(_figure(group, k, p) for k, p in FIGURE_COLUMNS)])
        sheets[label(f"renewals.{split}")] = rows
    sheets[label("renewals.sheet.by_day")] = [
        [
            label("renewals.day.date"),
            label("renewals.day.due_to_date"),
            label("renewals.day.target_to_date"),
            label("renewals.day.renewed_to_date"),
            label("renewals.day.renewed_premium_to_date"),
        ],
        *[
            [
                row["date"],
                row["due_to_date"],
                row["target_to_date"],
                row["renewed_to_date"],
                row["renewed_premium_to_date"],
            ]
            for row in board["by_day"]
        ],
    ]
    sheets[label("renewals.sheet.trend")] = [
        [
            label("renewals.trend.month"),
            label("renewals.col.due.count"),
            label("renewals.col.renewed.count"),
            label("renewals.col.rate_count"),
            label("renewals.col.rate_premium"),
            label("renewals.col.quote_rate"),
        ],
        *[
            [
                row["month"],
                row["due"],
                row["renewed"],
                _rate(row["rate_count"]),
                _rate(row["rate_premium"]),
                _rate(row["quote_rate"]),
            ]
            for row in board["trend"]
        ],
    ]
    return sheets


def defeat_sheets(analysis: dict[str, Any], label: Label) -> dict[str, list[list[Any]]]:
    """Sheet name → rows: reasons, specialist × reason, every close note."""
    reasons = [row["reason"] for row in analysis["reasons"]]
    summary: list[list[Any]] = [
        [label("defeats.title"), analysis["month"]],
        [label("defeats.lost_count"), analysis["lost"]["count"]],
        [label("defeats.lost_premium"), analysis["lost"]["premium"]],
        [],
        [
            label("defeats.reason"),
            label("defeats.count"),
            label("defeats.share"),
            label("defeats.premium"),
        ],
        *[
            [label(f"reason.{r['reason']}"), r["count"], _rate(r["share"]), r["premium"]]
            for r in analysis["reasons"]
        ],
    ]
    matrix: list[list[Any]] = [
        [
            label("defeats.specialist"),
            *(label(f"reason.{r}") for r in reasons),
            label("defeats.total"),
        ],
        *[
            [who, *(row.get(r, 0) for r in reasons), row["total"]]
            for who, row in analysis["matrix"].items()
        ],
    ]
    notes: list[list[Any]] = [
        [
            label("defeats.at"),
            label("defeats.specialist"),
            label("defeats.reason"),
            label("defeats.note"),
            label("defeats.lead"),
        ],
        *[
            [_local(n["at"]), n["by"], label(f"reason.{n['reason']}"), n["note"], n["lead_id"]]
            for n in analysis["notes"]
        ],
    ]
    return {
        label("defeats.sheet.summary"): summary,
        label("defeats.sheet.matrix"): matrix,
        label("defeats.sheet.notes"): notes,
    }


def _local(stamp: str) -> str:
    return clock.parse_iso(stamp).astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")


def as_csv(sheets: dict[str, list[list[Any]]]) -> bytes:
    """Every table of a workbook one after another, a blank row between."""
    rows: list[list[Any]] = []
    for name, table in sheets.items():
        rows += [[name], *table, []]
    return csv_bytes(rows)


def as_xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """One sheet per table."""
    return xlsx_bytes(sheets)
