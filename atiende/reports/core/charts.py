"""A section as an accessible SVG bar chart (pure: no Django).

The chart is an image with a title and a description that says the figures in words
(``role="img"``, ``<title>``, ``<desc>``), so a screen reader reads what the bars show;
the table beside it on the page holds the same numbers. Bars are drawn in the text's
colour (``currentColor``), so the chart prints in black on white.
"""

from __future__ import annotations

from html import escape
from typing import Any

from atiende.reports.core.export import shown
from atiende.reports.core.rows import Section

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 160
BAR_WIDTH = 360


def bar_chart(section: Section, language: str = "es", *, chart_id: str = "chart") -> str:
    if section.chart is None:
        return ""
    label_key, value_key = section.chart
    columns = {c.key: c for c in section.columns}
    value_column = columns[value_key]
    label_column = columns[label_key]
    points = [(shown(row.get(label_key, ""), label_column, language), row.get(value_key)) for row in section.rows]
    numbers = [float(v) for _, v in points if isinstance(v, int | float)]
    top = max(numbers, default=0.0) or 1.0
    if value_column.kind == "share":
        top = max(top, 1.0)
    height = len(points) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 90
    said = "; ".join(f"{label}: {shown(value, value_column, language)}" for label, value in points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(section.title(language))}</title>',
        f'<desc id="{chart_id}-desc">{escape(said)}</desc>',
    ]
    for index, (label, value) in enumerate(points):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = 0.0 if not isinstance(value, int | float) else BAR_WIDTH * float(value) / top
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end" '
                     f'font-size="12" fill="currentColor">{escape(_short(label))}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                     f'fill="currentColor" fill-opacity="0.55"/>')
        parts.append(f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" font-size="12" '
                     f'fill="currentColor">{escape(shown(value, value_column, language))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(label: Any, limit: int = 24) -> str:
    text = str(label)
    return text if len(text) <= limit else text[: limit - 1] + "…"
