"""Charts drawn on the server as inline SVG: no script, no CDN, works offline and under the
console's Content-Security-Policy (colours come from classes in admin.css, not inline styles).

Every chart has a <title> and per-bar <title> tooltips; the page puts the same numbers in a
table beside it for those who would rather read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, BOTTOM = 48, 12, 40
LEGEND_ROW = 18


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # a class in admin.css: c0…c7, blue, yellow, red, ok, late
    values: Sequence[float]


def axis_step(top: float, *, whole: bool) -> float:
    """A round step (1, 2 or 5 × 10^k) so that four steps reach `top`; whole numbers (counts)
    never get a step below 1."""
    if top <= 0:
        return 1
    power = 10 ** math.floor(math.log10(top / 4))
    for step in (1, 2, 5, 10):
        if top <= 4 * step * power:
            return max(step * power, 1) if whole else step * power
    return 10 * power


def legend_rows(names: Sequence[str]) -> list[list[tuple[str, int]]]:
    """The legend's entries with their x, wrapped to as many rows as the width needs."""
    rows: list[list[tuple[str, int]]] = [[]]
    x = LEFT
    for name in names:
        width = 24 + text_width(name)
        if rows[-1] and x + width > WIDTH - RIGHT:
            rows.append([])
            x = LEFT
        rows[-1].append((name, x))
        x += width
    return rows


def text_width(text: str) -> int:
    """Roughly how wide a legend text is at 12px: CJK characters are twice a Latin one."""
    return sum(13 if ord(char) > 0x2E7F else 7 for char in text)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    unit: str = "",
    empty: str = "",
) -> Markup:
    """Bars per label, each stacked from its series (a single series is a plain bar chart)."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    whole = all(float(v).is_integer() for s in series for v in s.values)
    top = 4 * axis_step(max(totals, default=0), whole=whole)
    legend = legend_rows([s.name for s in series]) if len(series) > 1 else []
    top_margin = 24 + LEGEND_ROW * len(legend)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - top_margin - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar = min(slot * 0.6, 56)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):  # grid lines and the y axis
        value = top * k / 4
        y = top_margin + plot_h - plot_h * k / 4
        parts.append(
            f'<line class="grid-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_number(value))}</text>"
        )
    for i, label in enumerate(labels):
        x = LEFT + slot * i + (slot - bar) / 2
        base: float = top_margin + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            tip = f"{label} · {s.name}: {_number(value)}{unit}"
            parts.append(
                f'<rect class="{escape(s.css)}" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{escape(tip)}</title></rect>'
            )
        if totals[i] > 0:
            parts.append(
                f'<text class="value" x="{x + bar / 2:.1f}" y="{base - 4:.1f}" '
                f'text-anchor="middle">{escape(_number(totals[i]))}</text>'
            )
        parts.append(
            f'<text class="axis" x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    css = {s.name: s.css for s in series}
    for row, entries in enumerate(legend):  # the legend, across the top
        y = 6 + LEGEND_ROW * row
        for name, left in entries:
            parts.append(
                f'<rect class="{escape(css[name])}" x="{left}" y="{y}" width="10" height="10"/>'
            )
            parts.append(
                f'<text class="legend-text" x="{left + 14}" y="{y + 9}">{escape(name)}</text>'
            )
    if not any(totals) and empty:
        parts.append(
            f'<text class="empty" x="{WIDTH / 2}" y="{top_margin + plot_h / 2}" '
            f'text-anchor="middle">{escape(empty)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
