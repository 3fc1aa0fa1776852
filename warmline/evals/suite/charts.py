"""Small inline SVG charts, so a report is one self-contained file with no script or download."""

from html import escape

WIDTH, HEIGHT, PAD = 360, 220, 36


def _frame(body: str, title: str) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>{body}</svg>'
    )


def _axes(x_label: str, y_label: str) -> str:
    bottom, right = HEIGHT - PAD, WIDTH - 10
    return (
        f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{bottom}" stroke="#333"/>'
        f'<line x1="{PAD}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>'
        f'<text x="{(PAD + right) / 2}" y="{HEIGHT - 6}" text-anchor="middle" '
        f'font-size="11">{escape(x_label)}</text>'
        f'<text x="12" y="{HEIGHT / 2}" text-anchor="middle" font-size="11" '
        f'transform="rotate(-90 12 {HEIGHT / 2})">{escape(y_label)}</text>'
    )


def bars(values: dict[str, float], title: str, y_label: str, top: float | None = None) -> str:
    """Vertical bars with their labels under them (rotated when there are many)."""
    if not values:
        return _frame("", title)
    peak = top or max(values.values()) or 1.0
    span, bottom = WIDTH - PAD - 10, HEIGHT - PAD - 30
    width = span / len(values)
    parts = [_axes("", y_label)]
    for i, (label, value) in enumerate(values.items()):
        height = (bottom - 10) * value / peak
        x = PAD + i * width + width * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - height:.1f}" width="{width * 0.7:.1f}" '
            f'height="{height:.1f}" fill="#3b6ea5"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{x + width * 0.35:.1f}" y="{bottom + 10}" font-size="9" '
            f'transform="rotate(40 {x + width * 0.35:.1f} {bottom + 10})">{escape(label)}</text>'
        )
    return _frame("".join(parts), title)


def curve(points: list[tuple[float, float]], title: str, mark: tuple[float, float] | None) -> str:
    """A line through (recall, precision) points on unit axes, with the current setting marked."""
    bottom, span_x, span_y = HEIGHT - PAD, WIDTH - PAD - 10, HEIGHT - PAD - 10

    def xy(x: float, y: float) -> str:
        return f"{PAD + x * span_x:.1f},{bottom - y * span_y:.1f}"

    parts = [_axes("recall", "precision")]
    if points:
        path = " ".join(xy(x, y) for x, y in sorted(points))
        parts.append(f'<polyline points="{path}" fill="none" stroke="#3b6ea5" stroke-width="2"/>')
    if mark is not None:
        x, y = xy(*mark).split(",")
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="5" fill="#c0392b"><title>current policy: recall '
            f"{mark[0]:.3f}, precision {mark[1]:.3f}</title></circle>"
        )
    return _frame("".join(parts), title)
