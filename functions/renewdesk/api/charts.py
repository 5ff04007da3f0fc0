"""Report charts rendered on the server as SVG with pygal (no script runs in the browser)."""

from __future__ import annotations

from typing import Any, Callable

FONT = "'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',system-ui,sans-serif"
ACCENT = "#2563eb"
TARGET = "#6b7280"
REASON_COLOURS = ("#dc2626", "#ea580c", "#d97706", "#7c3aed", "#0891b2", "#64748b")


def _style(colours: tuple[str, ...]):
    from pygal.style import Style

    return Style(
        font_family=FONT,
        background="transparent",
        plot_background="transparent",
        foreground="#374151",
        foreground_strong="#111827",
        foreground_subtle="#e5e7eb",
        colors=colours,
        label_font_size=18,
        major_label_font_size=18,
        legend_font_size=20,
        value_font_size=18,
        title_font_size=20,
        tooltip_font_size=16,
        stroke_width="3",
    )


def _common(chart_class, colours: tuple[str, ...], margin_bottom: int = 24, **options: Any):
    return chart_class(
        style=_style(colours),
        js=[],
        width=640,
        height=400,
        explicit_size=False,
        margin=16,
        margin_bottom=margin_bottom,
        legend_at_bottom=True,
        legend_box_size=16,
        truncate_label=-1,
        truncate_legend=-1,
        **options,
    )


def target_vs_actual(
    by_day: list[dict[str, Any]], text: Callable[[str], str], today: str | None = None
) -> bytes:
    """Cumulative renewals won per day, against the target's even pace; the actual line stops
    at ``today`` (a day not lived yet has no actual figure)."""
    import pygal

    top = max(
        [row["won_to_date"] for row in by_day]
        + [row["target_to_date"] or 0 for row in by_day]
        + [5]
    )
    chart = _common(
        pygal.Line,
        (ACCENT, TARGET),
        show_dots=False,
        fill=False,
        show_minor_x_labels=False,
        x_labels_major_every=5,
        range=(0, top),
        no_data_text=text("chart.no_data"),
        value_formatter=lambda v: f"{v:g}",
        show_x_guides=False,
    )
    chart.x_labels = [row["date"][-2:] for row in by_day]
    chart.add(
        text("chart.actual"),
        [row["won_to_date"] if not today or row["date"] <= today else None for row in by_day],
    )
    if by_day and by_day[0]["target_to_date"] is not None:
        chart.add(
            text("chart.target"),
            [row["target_to_date"] for row in by_day],
            stroke_style={"width": 2, "dasharray": "8, 6"},
        )
    return chart.render()


def defeat_reasons(defeats: list[dict[str, Any]], text: Callable[[str], str]) -> bytes:
    """Each defeat reason's share of the lost leads, as a ring."""
    import pygal

    chart = _common(
        pygal.Pie,
        REASON_COLOURS,
        inner_radius=0.55,
        print_values=True,
        no_data_text=text("chart.no_defeats"),
        value_formatter=lambda v: f"{v:g}",
        legend_at_bottom_columns=2,
        # pygal under-reserves the legend's rows for CJK text at this size.
        margin_bottom=48,
    )
    for row in defeats:
        label = text("reason." + row["reason"])
        chart.add(f"{label} ({row['count']})", row["count"])
    return chart.render()
