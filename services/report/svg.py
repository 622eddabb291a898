"""Inline SVG charts generated in Python, so the HTML report works offline (no CDN).
Geometry uses integer maths, like the figures it draws."""

from collections.abc import Sequence
from datetime import datetime
from html import escape

from kernel.timeutil import SHANGHAI

WIDTH = 760


def bar_chart(title: str, bars: Sequence[tuple[str, int, str]]) -> str:
    """Horizontal bars: (label, value, value as text). Negative values draw as empty bars."""
    label_w, value_w, row_h, top = 190, 130, 24, 30
    span = WIDTH - label_w - value_w
    peak = max((v for _, v, _ in bars), default=0) or 1
    height = top + row_h * len(bars) + 10
    parts = [f'<text x="0" y="18" class="t">{escape(title)}</text>']
    for i, (label, value, text) in enumerate(bars):
        y = top + i * row_h
        length = max(0, value) * span // peak
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{length}" height="{row_h - 8}" class="b"/>')
        parts.append(f'<text x="{label_w + length + 6}" y="{y + 16}">{escape(text)}</text>')
    return _svg(height, parts)


def line_chart(title: str, points: Sequence[tuple[datetime, int]]) -> str:
    """A curve of integer values over time, with the largest value and the time axis ends."""
    left, top, plot_w, plot_h = 70, 30, WIDTH - 90, 180
    parts = [f'<text x="0" y="18" class="t">{escape(title)}</text>']
    if not points:
        parts.append(f'<text x="{left}" y="{top + 20}">无数据 / no data</text>')
        return _svg(top + 40, parts)
    peak = max(v for _, v in points) or 1
    last = max(len(points) - 1, 1)
    coords = " ".join(
        f"{left + i * plot_w // last},{top + plot_h - max(0, v) * plot_h // peak}"
        for i, (_, v) in enumerate(points)
    )
    first_t, last_t = (p[0].astimezone(SHANGHAI).strftime("%m-%d %H:%M") for p in (points[0], points[-1]))
    parts += [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="a"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" class="a"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{peak:,}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
        f'<polyline points="{coords}" class="l"/>',
        f'<text x="{left}" y="{top + plot_h + 18}">{first_t}</text>',
        f'<text x="{left + plot_w}" y="{top + plot_h + 18}" text-anchor="end">{last_t}</text>',
    ]
    return _svg(top + plot_h + 30, parts)


def _svg(height: int, parts: list[str]) -> str:
    body = "\n  ".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img">\n  {body}\n</svg>'
    )
