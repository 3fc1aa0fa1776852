"""Inline SVG charts, so a report is one self-contained file with no script or download.

Each chart carries a visible title, axes with their values and, where it draws more than
one kind of mark, a legend: a plot is read on its own, often as a screenshot in a review.
Bars run horizontally so that a label of any length is shown whole beside its bar.
"""

from html import escape

WIDTH = 640
TITLE_H, AXIS_H, ROW_H, RIGHT = 30, 44, 22, 64
CHAR_W = 7.5  # generous width of a 12 px sans-serif character, to size the label column
INK, GRID, BAR, MARK = "#1d1d1f", "#e1e1e6", "#3b6ea5", "#c0392b"


def _frame(body: str, title: str, height: float) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<rect width="{WIDTH}" height="{height:.0f}" fill="#fff"/>'
        f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600" '
        f'fill="{INK}">{escape(title)}</text>{body}</svg>'
    )


def _ticks(top: float) -> list[float]:
    """Five round steps from 0 to at least `top` (0.25 steps on a unit scale)."""
    if top <= 1.0:
        return [0.0, 0.25, 0.5, 0.75, 1.0]
    step = 10 ** (len(str(int(top))) - 1)
    while top / step > 5:
        step *= 2
    count = int(-(-top // step))
    return [float(step * i) for i in range(count + 1)]


def _label(value: float, unit_scale: bool) -> str:
    return f"{value:.2f}" if unit_scale else f"{value:g}"


def bars(values: dict[str, float], title: str, value_label: str, top: float | None = None) -> str:
    """Horizontal bars, one row a label, with its value at the bar's end."""
    left = 20 + CHAR_W * max((len(k) for k in values), default=4)
    ticks = _ticks(top if top is not None else max(values.values(), default=0.0) or 1.0)
    peak, unit = ticks[-1], ticks[-1] == 1.0
    span = WIDTH - left - RIGHT
    bottom = TITLE_H + ROW_H * max(len(values), 1) + 8
    parts = []
    for tick in ticks:
        x = left + span * tick / peak
        parts.append(
            f'<line x1="{x:.1f}" y1="{TITLE_H}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{_label(tick, unit)}</text>'
        )
    for i, (label, value) in enumerate(values.items()):
        y = TITLE_H + 4 + i * ROW_H
        width = span * value / peak
        shown = f"{value:.3f}" if top is not None and top <= 1.0 else f"{value:g}"
        parts.append(
            f'<text x="{left - 8:.1f}" y="{y + 13}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(label)}</text>'
            f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="{ROW_H - 6}" '
            f'fill="{BAR}"><title>{escape(label)}: {shown}</title></rect>'
            f'<text x="{left + width + 4:.1f}" y="{y + 13}" font-size="11" '
            f'fill="{INK}">{shown}</text>'
        )
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom}" x2="{left + span:.1f}" y2="{bottom}" '
        f'stroke="{INK}"/><text x="{left + span / 2:.1f}" y="{bottom + 34}" '
        f'text-anchor="middle" font-size="12" fill="{INK}">{escape(value_label)}</text>'
    )
    return _frame("".join(parts), title, bottom + AXIS_H)


def curve(points: list[tuple[float, float]], title: str, mark: tuple[float, float] | None) -> str:
    """A line through (recall, precision) points on unit axes, with the current setting marked."""
    left, height = 56, 400
    bottom, top = height - AXIS_H - 24, TITLE_H + 8
    span_x, span_y = WIDTH - left - RIGHT, bottom - top

    def xy(x: float, y: float) -> tuple[float, float]:
        return left + x * span_x, bottom - y * span_y

    parts = []
    for tick in _ticks(1.0):
        x, y = xy(tick, tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>'
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + span_x}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{_label(tick, True)}</text>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{_label(tick, True)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{INK}"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{left + span_x}" y2="{bottom}" stroke="{INK}"/>'
        f'<text x="{left + span_x / 2}" y="{bottom + 34}" text-anchor="middle" font-size="12" '
        f'fill="{INK}">recall</text><text x="16" y="{(top + bottom) / 2}" text-anchor="middle" '
        f'font-size="12" fill="{INK}" transform="rotate(-90 16 {(top + bottom) / 2})">'
        f"precision</text>"
    )
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*p) for p in sorted(points)))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    if mark is not None:
        x, y = xy(*mark)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{MARK}"><title>current policy: '
            f"recall {mark[0]:.3f}, precision {mark[1]:.3f}</title></circle>"
        )
    legend_y = height - 14
    parts.append(
        f'<line x1="{left}" y1="{legend_y - 4}" x2="{left + 24}" y2="{legend_y - 4}" '
        f'stroke="{BAR}" stroke-width="2"/><text x="{left + 30}" y="{legend_y}" font-size="12" '
        f'fill="{INK}">escalation score at every cutoff</text>'
        f'<circle cx="{left + 262}" cy="{legend_y - 4}" r="5" fill="{MARK}"/>'
        f'<text x="{left + 272}" y="{legend_y}" font-size="12" fill="{INK}">'
        f"the policy as run</text>"
    )
    return _frame("".join(parts), title, height)
