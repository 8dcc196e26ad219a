"""Charts as SVG text written by hand (no plotting library), and a terminal progress bar.

The SVG is small, self-contained and safe to inline in a page: every label is
escaped, sizes are fixed, colours come from two CSS custom properties with
fallbacks so a page's theme can restyle them.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TextIO

__all__ = ["bar_chart", "line_chart", "histogram", "ProgressBar", "text_bars"]

_WIDTH = 720
_HEIGHT = 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 36, 56
_BAR = "var(--chart-bar, #2f6f9f)"
_LINE = "var(--chart-line, #c0392b)"
_AXIS = "#555"


def _nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _fmt(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _frame(title: str, y_label: str, y_max: float, percent: bool = False) -> list[str]:
    plot_h = _HEIGHT - _TOP - _BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'width="{_WIDTH}" height="{_HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_WIDTH / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
        f'<text x="14" y="{_TOP + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_TOP + plot_h / 2})">{escape(y_label)}</text>',
    ]
    for i in range(5):
        value = y_max * i / 4
        y = _TOP + plot_h - plot_h * i / 4
        label = f"{value * 100:.0f} %" if percent else _fmt(round(value, 2))
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    parts.append(f'<line x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{_WIDTH - _RIGHT}" y2="{_TOP + plot_h}" '
                 f'stroke="{_AXIS}"/>')
    return parts


def _x_labels(labels: Sequence[str], centres: Sequence[float]) -> list[str]:
    # Show at most about 16 labels so they never overlap.
    every = max(1, math.ceil(len(labels) / 16))
    y = _HEIGHT - _BOTTOM + 16
    return [
        f'<text x="{x:.1f}" y="{y}" text-anchor="middle">{escape(label)}</text>'
        for i, (label, x) in enumerate(zip(labels, centres, strict=True)) if i % every == 0
    ]


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, y_label: str = "",
              x_label: str = "") -> str:
    """Vertical bars, one per label (e.g. technicians per half hour)."""
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    y_max = _nice_max(max(values, default=0))
    parts = _frame(title, y_label, y_max)
    slot = plot_w / max(1, len(values))
    centres = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / y_max
        x = _LEFT + i * slot
        centres.append(x + slot / 2)
        parts.append(
            f'<rect x="{x + slot * 0.1:.1f}" y="{_TOP + plot_h - h:.1f}" width="{slot * 0.8:.1f}" '
            f'height="{h:.1f}" fill="{_BAR}"><title>{escape(label)}: {_fmt(round(value, 2))}</title></rect>'
        )
    parts += _x_labels(labels, centres)
    if x_label:
        parts.append(f'<text x="{_LEFT + plot_w / 2}" y="{_HEIGHT - 12}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart(title: str, labels: Sequence[str], values: Sequence[float], *, y_label: str = "",
               target: float | None = None, target_label: str = "", percent: bool = False,
               x_label: str = "") -> str:
    """A line with points (e.g. service level per interval), with an optional dashed target line."""
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    y_max = 1.0 if percent else _nice_max(max([*values, target or 0], default=0))
    parts = _frame(title, y_label, y_max, percent)
    slot = plot_w / max(1, len(values))
    centres = [_LEFT + slot * (i + 0.5) for i in range(len(values))]
    points = [(x, _TOP + plot_h - plot_h * min(v, y_max) / y_max) for x, v in zip(centres, values, strict=True)]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{_BAR}" stroke-width="2"/>')
    for (x, y), label, value in zip(points, labels, values, strict=True):
        shown = f"{value * 100:.1f} %" if percent else _fmt(round(value, 2))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_BAR}">'
                     f"<title>{escape(label)}: {shown}</title></circle>")
    if target is not None:
        y = _TOP + plot_h - plot_h * min(target, y_max) / y_max
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" '
                     f'stroke="{_LINE}" stroke-dasharray="6 4"/>')
        if target_label:
            parts.append(f'<text x="{_WIDTH - _RIGHT}" y="{y - 4:.1f}" text-anchor="end" '
                         f'fill="{_LINE}">{escape(target_label)}</text>')
    parts += _x_labels(labels, centres)
    if x_label:
        parts.append(f'<text x="{_LEFT + plot_w / 2}" y="{_HEIGHT - 12}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def histogram(title: str, edges: Sequence[float], counts: Sequence[int], *, y_label: str = "",
              x_label: str = "", unit: str = "s") -> str:
    """Bars for ``counts[i]`` values in ``[edges[i], edges[i + 1])``; the last bin is open ("≥").

    ``len(edges)`` is ``len(counts)``: each bin is labelled by its lower edge.
    """
    labels = [f"{_fmt(e)}{unit}" for e in edges]
    if labels:
        labels[-1] = f"≥{labels[-1]}"
    return bar_chart(title, labels, [float(c) for c in counts], y_label=y_label, x_label=x_label)


def text_bars(labels: Sequence[str], values: Sequence[float], *, width: int = 40, top: float | None = None,
              suffix: str = "") -> list[str]:
    """Horizontal bars for a terminal, one line per label, scaled to ``top`` (default: the largest value)."""
    top = top or max(values, default=0) or 1
    label_width = max((len(label) for label in labels), default=0)
    return [f"{label:>{label_width}} {'█' * round(width * min(value, top) / top):<{width}} "
            f"{_fmt(round(value, 1))}{suffix}"
            for label, value in zip(labels, values, strict=True)]


@dataclass
class ProgressBar:
    """A one-line progress bar for long runs, redrawn in place on a terminal.

    Pass it as the ``progress`` callback of the simulation. It draws at most
    ten times a second, and nothing at all when ``stream`` is not a terminal
    unless ``force`` is set, so logs and pipes stay clean.
    """

    label: str = ""
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    width: int = 30
    force: bool = False
    clock: object = time.monotonic
    _last: float = -1.0
    _shown: bool = False

    @property
    def enabled(self) -> bool:
        return self.force or bool(getattr(self.stream, "isatty", lambda: False)())

    def render(self, done: int, total: int) -> str:
        share = 1.0 if total <= 0 else min(1.0, done / total)
        filled = round(self.width * share)
        return f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {share * 100:5.1f} % {done}/{total}"

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()  # type: ignore[operator]
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        self.stream.write("\r" + self.render(done, total))
        self._shown = True
        if done >= total:
            self.finish()

    def finish(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
