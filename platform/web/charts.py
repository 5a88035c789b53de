"""Small SVG charts drawn on the server: no chart library, no CDN, readable without JavaScript.

Each chart is an image with a title and a description for screen readers; the page shows the same
numbers in a table beside it. Written here because the two shapes needed (bars with an interval,
columns with a line) are a few dozen lines, and a charting package would bring a JavaScript
runtime to the browser for them.
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

INK, BRAND, MUTED, GREY, OK, BAD = "#1b1b1f", "#a4161a", "#4a4a52", "#8a8a94", "#1e6b35", "#b00020"


def _svg(width: int, height: int, ident: str, title: str, desc: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart"'
        f' aria-labelledby="{ident}-t {ident}-d"><title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text is escaped


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, *, stroke: str, width: int = 1, dash: str = "") -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    ends = f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
    return f'<line {ends} stroke="{stroke}" stroke-width="{width}"{dashed}/>'


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(0.0, w):.1f}" height="{max(0.0, h):.1f}" fill="{fill}"/>'


def ratio_bars(
    rows: list[tuple[str, float | None, float | None, float | None]], *, title: str, desc: str
) -> SafeString:
    """Horizontal bars of a standardised ratio per unit, a whisker for its interval, a line at 1.0.

    Green: better than the Pemda's norm even at the interval's low end; red: worse even at its
    high end; the brand colour in between.
    """
    width, left, row_h = 640, 230, 28
    height = row_h * max(1, len(rows)) + 34
    scale = max([2.0, *[r[3] or 0 for r in rows]])

    def x(value: float) -> float:
        return left + (width - left - 20) * min(value, scale) / scale

    body = [
        _line(x(1.0), 0, x(1.0), height - 22, stroke=MUTED, dash="4 3"),
        _text(x(1.0), height - 8, "1,0", anchor="middle"),
    ]
    for index, (label, ratio, low, high) in enumerate(rows):
        y = 10 + index * row_h
        body.append(_text(left - 8, y + 15, label[:32], size=13, anchor="end"))
        if ratio is None:
            body.append(_text(left + 4, y + 15, "—", fill=MUTED))
            continue
        colour = OK if (low or 0) >= 1 else BAD if (high or 0) < 1 else BRAND
        body.append(_rect(left, y + 4, x(ratio) - left, 14, colour))
        if low is not None and high is not None:
            body.append(_line(x(low), y + 11, x(high), y + 11, stroke=INK, width=2))
    return _svg(width, height, "rank", title, desc, body)


def weekly_columns(rows: list[tuple[str, int, float | None]], *, title: str, desc: str) -> SafeString:
    """Columns of reports received per week, with the share answered on time as a line (0-100 %)."""
    width, height, bottom, left = 640, 220, 190, 40
    peak = max([1, *[r[1] for r in rows]])
    step = (width - left - 10) / max(1, len(rows))
    body = [_line(left, bottom, width - 10, bottom, stroke=MUTED)]
    points = []
    for index, (label, count, share) in enumerate(rows):
        x0 = left + index * step
        h = (bottom - 20) * count / peak
        body.append(_rect(x0 + 3, bottom - h, step - 6, h, GREY))
        body.append(_text(x0 + step / 2, bottom + 14, label, size=10, anchor="middle"))
        if share is not None:
            points.append(f"{x0 + step / 2:.1f},{bottom - (bottom - 20) * share:.1f}")
    if len(points) > 1:
        body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{BRAND}" stroke-width="3"/>')
    return _svg(width, height, "week", title, desc, body)
