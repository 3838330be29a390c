"""Charts drawn on the server as inline SVG: horizontal bars, a histogram and a funnel. No script, no CDN.

Each function returns the ``<svg>`` element as :class:`markupsafe.Markup`, ready for a template:
``role="img"`` with a ``<title>`` (and a ``<desc>`` when given) so a screen reader names the chart; the page
puts the same numbers in a table under it. Sizes come from a ``viewBox`` only (no ``width``/``height``),
so a chart scales to its container, a 390 px phone included; colours are CSS classes (``bar``,
``bar warn``, ``value``, ``label``, ``axis``) styled by ``dashboard.css``.

Every bar carries ``data-label`` and ``data-value``; its length is proportional to its value (the longest
bar fills the plotting width), a bar of 0 is drawn 0 long. Labels and titles are escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

__all__ = ["bar_chart", "funnel_chart", "histogram"]

WIDTH = 360.0  # the viewBox width: drawn for a phone's ~310 px card, scaled up to ~420 px on a desktop
_FONT = 14.0
_ids = count(1)


def _number(value: float) -> str:
    """``200`` and ``200.0`` as ``200``; ``2.5`` as ``2.5``."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _rect(css: str, x: float, y: float, width: float, height: float, label: str, value: float) -> str:
    return (
        f'<rect class="{css}" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(width)}" height="{_fmt(height)}" '
        f'data-label="{escape(label)}" data-value="{_number(value)}"/>'
    )


def _open(height: float, title: str, desc: str, kind: str) -> list[str]:
    n = next(_ids)
    labelled = f"chart-{n}-title" + (f" chart-{n}-desc" if desc else "")
    parts = [
        f'<svg class="chart {kind}" viewBox="0 0 {_fmt(WIDTH)} {_fmt(height)}" role="img" '
        f'aria-labelledby="{labelled}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{n}-title">{escape(title)}</title>',
    ]
    if desc:
        parts.append(f'<desc id="chart-{n}-desc">{escape(desc)}</desc>')
    return parts


def _empty(title: str, message: str) -> Markup:
    parts = _open(40, title, message, "empty")
    parts.append(f'<text class="label" x="0" y="26" font-size="{_fmt(_FONT)}">{escape(message)}</text></svg>')
    return Markup("".join(parts))


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str = "",
    warn: Sequence[str] = (),
    empty: str = "-",
) -> Markup:
    """Horizontal bars, one per ``(label, value)`` row, the label above its bar and the value after it.

    Labels in ``warn`` are drawn as ``bar warn``. No rows: a one-line chart saying ``empty``.
    """
    if not rows:
        return _empty(title, empty)
    label_h, bar_h, gap = _FONT + 4, 16.0, 10.0
    room = WIDTH - 48  # space for the value after the longest bar
    top = max((v for _, v in rows), default=0) or 1
    height = len(rows) * (label_h + bar_h + gap)
    parts = _open(height, title, desc, "bars")
    y = 0.0
    for label, value in rows:
        length = room * value / top
        css = "bar warn" if label in warn else "bar"
        parts.append(
            f'<text class="label" x="0" y="{_fmt(y + _FONT)}" font-size="{_fmt(_FONT)}">'
            f"{escape(label)}</text>"
            + _rect(css, 0, y + label_h, length, bar_h, label, value)
            + f'<text class="value" x="{_fmt(length + 6)}" y="{_fmt(y + label_h + bar_h - 3)}" '
            f'font-size="{_fmt(_FONT - 1)}">{_number(value)}</text>'
        )
        y += label_h + bar_h + gap
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str = "",
    warn: Sequence[str] = (),
    x_label: str = "",
    empty: str = "-",
) -> Markup:
    """Vertical bars side by side (categories left to right), the count above each bar, the category under
    it and ``x_label`` under the axis. Bars whose category is in ``warn`` are ``bar warn``."""
    if not rows:
        return _empty(title, empty)
    plot_h, top_pad, axis_pad = 150.0, _FONT + 6, _FONT + 8
    height = top_pad + plot_h + axis_pad + (_FONT + 6 if x_label else 0)
    step = WIDTH / len(rows)
    bar_w = max(2.0, step * 0.72)
    top = max((v for _, v in rows), default=0) or 1
    parts = _open(height, title, desc, "histogram")
    base = top_pad + plot_h
    for index, (label, value) in enumerate(rows):
        h = plot_h * value / top
        x = index * step + (step - bar_w) / 2
        middle = index * step + step / 2
        css = "bar warn" if label in warn else "bar"
        parts.append(
            _rect(css, x, base - h, bar_w, h, label, value)
            + f'<text class="value" x="{_fmt(middle)}" y="{_fmt(base - h - 5)}" text-anchor="middle" '
            f'font-size="{_fmt(_FONT - 1)}">{_number(value)}</text>'
            f'<text class="label" x="{_fmt(middle)}" y="{_fmt(base + _FONT + 4)}" text-anchor="middle" '
            f'font-size="{_fmt(_FONT)}">{escape(label)}</text>'
        )
    parts.append(f'<line class="axis" x1="0" y1="{_fmt(base)}" x2="{_fmt(WIDTH)}" y2="{_fmt(base)}"/>')
    if x_label:
        parts.append(
            f'<text class="label axis-label" x="{_fmt(WIDTH / 2)}" y="{_fmt(height - 4)}" '
            f'text-anchor="middle" font-size="{_fmt(_FONT - 1)}">{escape(x_label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel_chart(
    rows: Sequence[tuple[str, float]], *, title: str, desc: str = "", empty: str = "-"
) -> Markup:
    """A funnel: centred bars, each as wide as its value (the first, widest stage fills the width), the
    label and ``value (share of the first)`` written above each bar."""
    if not rows:
        return _empty(title, empty)
    label_h, bar_h, gap = _FONT + 4, 22.0, 10.0
    first = rows[0][1] or max((v for _, v in rows), default=0) or 1
    widest = max(first, *(v for _, v in rows))
    height = len(rows) * (label_h + bar_h + gap)
    parts = _open(height, title, desc, "funnel")
    y = 0.0
    for label, value in rows:
        width = WIDTH * value / widest
        share = f" ({value / first:.0%})" if rows[0][1] else ""
        parts.append(
            f'<text class="label" x="{_fmt(WIDTH / 2)}" y="{_fmt(y + _FONT)}" text-anchor="middle" '
            f'font-size="{_fmt(_FONT)}">{escape(label)}: {_number(value)}{share}</text>'
            + _rect("bar", (WIDTH - width) / 2, y + label_h, width, bar_h, label, value)
        )
        y += label_h + bar_h + gap
    parts.append("</svg>")
    return Markup("".join(parts))
