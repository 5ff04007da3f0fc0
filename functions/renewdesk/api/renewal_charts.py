"""The 续保率 board's charts, server-rendered SVG with pygal (the styles of api/charts.py)."""

from __future__ import annotations

from typing import Any, Callable

from renewdesk.api.charts import ACCENT, TARGET, _common

DUE = "#cbd5e1"
GRADE_COLOURS = ("#2563eb", "#6b7280")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def by_day(rows: list[dict[str, Any]], text: Callable[[str], str]) -> bytes:
    """Cumulative due, the target's share of it and renewed, by day; renewed ends today."""
    import pygal

    top = max([r["due_to_date"] for r in rows] + [r["renewed_to_date"] or 0 for r in rows] + [5])
    chart = _common(
        pygal.Line,
        (DUE, TARGET, ACCENT),
        show_dots=False,
        fill=False,
        show_minor_x_labels=False,
        x_labels_major_every=7,
        range=(0, top),
        no_data_text=text("renewals.chart.no_data"),
        value_formatter=lambda v: f"{v:g}",
        show_x_guides=False,
        allow_interruptions=True,
    )
    chart.x_labels = [r["date"][5:] for r in rows]
    chart.add(text("renewals.chart.due"), [r["due_to_date"] for r in rows])
    if rows and rows[0]["target_to_date"] is not None:
        chart.add(
            text("renewals.chart.target"),
            [r["target_to_date"] for r in rows],
            stroke_style={"width": 2, "dasharray": "8, 6"},
        )
    chart.add(text("renewals.chart.actual"), [r["renewed_to_date"] for r in rows])
    return chart.render()


def trend(rows: list[dict[str, Any]], target: float | None, text: Callable[[str], str]) -> bytes:
    """The count rate of the last 12 months of expiry, against this month's target."""
    import pygal

    chart = _common(
        pygal.Line,
        (ACCENT, TARGET),
        range=(0, 1),
        no_data_text=text("renewals.chart.no_data"),
        value_formatter=_percent,
        show_x_guides=False,
        allow_interruptions=True,
        dots_size=5,
    )
    chart.x_labels = [r["month"][2:] for r in rows]
    chart.add(text("renewals.chart.rate"), [r["rate_count"] for r in rows])
    if target is not None:
        chart.add(
            text("renewals.chart.target"),
            [target for _ in rows],
            stroke_style={"width": 2, "dasharray": "8, 6"},
            show_dots=False,
        )
    return chart.render()


def grades(board: dict[str, Any], text: Callable[[str], str]) -> bytes:
    """Each grade's count rate beside its target."""
    import pygal

    chart = _common(
        pygal.Bar,
        GRADE_COLOURS,
        range=(0, 1),
        no_data_text=text("renewals.chart.no_data"),
        value_formatter=_percent,
        print_values=True,
    )
    names = ["A", "B", "C", "none"]
    chart.x_labels = [name if name != "none" else text("renewals.none.by_grade") for name in names]
    chart.add(text("renewals.chart.actual"), [board["by_grade"][g]["rate_count"] for g in names])
    targets = board["target"]["by_grade"]
    chart.add(text("renewals.chart.target"), [targets.get(g) for g in names])
    return chart.render()
