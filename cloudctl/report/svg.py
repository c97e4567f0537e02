"""Small inline SVG charts for the HTML report: no scripts, no external resources, print-friendly.

Each function returns one ``<svg>`` element as a string, with ``data-chart`` naming it (tests
and readers find charts by that) and a ``<title>`` for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

GREEN, AMBER, RED, BLUE, GREY, INK, GRID = "#2e7d32", "#ef8f00", "#c62828", "#1f5fa8", "#c9ced6", "#1d2733", "#e3e7ec"


def _color(ratio: float | None, target: float) -> str:
    if ratio is None:
        return GREY
    if ratio >= target - 1e-12:
        return GREEN
    return AMBER if ratio >= target * 0.6 else RED


def _open(name: str, width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg class="chart" data-chart="{name}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]


def _text(x: float, y: float, s: str, *, anchor: str = "start", size: int = 12, weight: str = "normal", fill: str = INK) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" text-anchor="{anchor}" fill="{fill}">{escape(s)}</text>'


def _text_width(s: str, size: int) -> float:
    """Rough rendered width: CJK characters are square, Latin ones about half as wide."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in s)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


def bars(name: str, title: str, rows: Sequence[tuple[str, float | None]], *, target: float = 1.0, target_label: str = "") -> str:
    """Horizontal bars of ratios (0..1), one per row, with a dashed target line."""
    label_w, bar_w, row_h, top = 92, 330, 22, 8
    width, height = label_w + bar_w + 56, top + row_h * len(rows) + 22
    out = _open(name, width, height, title)
    x_target = label_w + bar_w * target
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        out.append(_text(label_w - 8, y + 15, label, anchor="end"))
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="{GRID}" rx="2"/>')
        if value:
            out.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{bar_w * min(value, 1.0):.1f}" height="{row_h - 8}" fill="{_color(value, target)}" rx="2"/>')
        out.append(_text(label_w + bar_w + 6, y + 15, _pct(value), weight="bold"))
    bottom = top + row_h * len(rows)
    out.append(f'<line x1="{x_target:.1f}" y1="{top}" x2="{x_target:.1f}" y2="{bottom}" stroke="{INK}" stroke-dasharray="4 3"/>')
    if target_label:
        out.append(_text(x_target, bottom + 15, target_label, anchor="middle", size=11))
    out.append("</svg>")
    return "".join(out)


@dataclass
class Progress:
    label: str
    value: float | None
    target: float


def progress(name: str, title: str, items: Sequence[Progress]) -> str:
    """One bar per indicator: value against its own target (a vertical tick)."""
    label_w = 16 + max([_text_width(it.label, 12) for it in items] + [60])
    bar_w, row_h, top = 250, 30, 6
    width, height = int(label_w + bar_w + 100), top + row_h * len(items) + 6
    out = _open(name, width, height, title)
    for i, it in enumerate(items):
        y = top + i * row_h
        out.append(_text(label_w - 8, y + 18, it.label, anchor="end"))
        out.append(f'<rect x="{label_w}" y="{y + 6}" width="{bar_w}" height="16" fill="{GRID}" rx="2"/>')
        if it.value:
            out.append(f'<rect class="bar" x="{label_w}" y="{y + 6}" width="{bar_w * min(it.value, 1.0):.1f}" height="16" fill="{_color(it.value, it.target)}" rx="2"/>')
        xt = label_w + bar_w * it.target
        out.append(f'<line x1="{xt:.1f}" y1="{y + 2}" x2="{xt:.1f}" y2="{y + 26}" stroke="{INK}" stroke-width="2"/>')
        out.append(_text(label_w + bar_w + 8, y + 18, f"{_pct(it.value)} / {_pct(it.target)}", weight="bold"))
    out.append("</svg>")
    return "".join(out)


@dataclass
class WaveBar:
    label: str
    migrated: int
    in_progress: int
    not_started: int


def burndown(name: str, title: str, waves: Sequence[WaveBar], legend: Sequence[str], line_label: str) -> str:
    """Stacked bars per wave (migrated / in progress / not started) and the burndown line:
    systems still to migrate across all waves after each wave's migrations."""
    width, left, top, plot_h = 470, 34, 30, 150
    col_w = (width - left - 10) / max(len(waves), 1)
    bar_w = min(70.0, col_w * 0.6)
    height = top + plot_h + 26
    out = _open(name, width, height, title)
    total_all = sum(w.migrated + w.in_progress + w.not_started for w in waves)
    peak = max([total_all, 1])
    scale = plot_h / peak
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{INK}"/>')
    out.append(_text(left - 4, top + 4, str(peak), anchor="end", size=10))
    out.append(_text(left - 4, base, "0", anchor="end", size=10))
    points, done = [], 0
    for i, w in enumerate(waves):
        x = left + i * col_w + (col_w - bar_w) / 2
        y = base
        for value, color in ((w.migrated, GREEN), (w.in_progress, AMBER), (w.not_started, GREY)):
            if value:
                h = value * scale
                y -= h
                out.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}"/>')
        out.append(_text(x + bar_w / 2, base + 15, w.label, anchor="middle", size=11))
        done += w.migrated
        points.append((x + bar_w / 2, base - (total_all - done) * scale, total_all - done))
    if points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
        for px, py, n in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{BLUE}"/>')
            out.append(_text(px + 6, py - 5, str(n), size=11, weight="bold", fill=BLUE))
    lx = float(left)
    for label, color in zip(list(legend) + [line_label], (GREEN, AMBER, GREY, BLUE)):
        out.append(f'<rect x="{lx:.1f}" y="6" width="10" height="10" fill="{color}"/>')
        out.append(_text(lx + 14, 15, label, size=11))
        lx += 14 + _text_width(label, 11) + 14
    out.append("</svg>")
    return "".join(out)


def trend(name: str, title: str, points: Sequence[tuple[str, float]], *, target: float = 1.0) -> str:
    """A line of a ratio over time (from Prometheus range queries); ``points`` = (label, value)."""
    left, top, plot_w, plot_h = 40, 10, 420, 120
    width, height = left + plot_w + 20, top + plot_h + 30
    out = _open(name, width, height, title)
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{INK}"/>')
    yt = base - plot_h * target
    out.append(f'<line x1="{left}" y1="{yt:.1f}" x2="{left + plot_w}" y2="{yt:.1f}" stroke="{INK}" stroke-dasharray="4 3"/>')
    out.append(_text(left - 4, yt + 4, _pct(target), anchor="end", size=10))
    out.append(_text(left - 4, base, "0%", anchor="end", size=10))
    n = len(points)
    coords = [(left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2), base - plot_h * min(v, 1.0)) for i, (_, v) in enumerate(points)]
    if coords:
        out.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
        out.append(_text(left, base + 16, points[0][0], size=10))
        out.append(_text(left + plot_w, base + 16, points[-1][0], anchor="end", size=10))
        x, y = coords[-1]
        out.append(_text(x - 4, y - 6, _pct(points[-1][1]), anchor="end", weight="bold", fill=BLUE))
    out.append("</svg>")
    return "".join(out)


@dataclass
class Series:
    label: str
    values: Sequence[float | None]  # one per month; None: no snapshot that month
    target: float
    color: str


def monthly(name: str, title: str, months: Sequence[str], series: Sequence[Series], target_label: str) -> str:
    """Ratios month by month (the migration KPIs from the store's snapshots): one line per series,
    broken where a month has no data, with each series' target as a dashed line of its colour."""
    left, top, plot_w, plot_h, right = 40, 30, 380, 130, 80
    width, height = left + plot_w + right, top + plot_h + 30
    out = _open(name, width, height, title)
    base = top + plot_h
    n = len(months)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return base - plot_h * min(max(v, 0.0), 1.0)

    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{INK}"/>')
    out.append(_text(left - 4, y(1.0) + 4, "100%", anchor="end", size=10))
    out.append(_text(left - 4, base, "0%", anchor="end", size=10))
    step = 1 if n <= 12 else -(-n // 6)  # every month up to a year, else about six labels
    for i, month in enumerate(months):
        if i % step == 0 or i == n - 1:
            out.append(_text(x(i), base + 16, month, anchor="middle" if 0 < i < n - 1 else ("start" if i == 0 else "end"), size=10))
    lx = float(left)
    ends: list[float] = []  # y of the value labels already placed at the right end
    for s in series:
        yt = y(s.target)
        out.append(f'<line class="target" x1="{left}" y1="{yt:.1f}" x2="{left + plot_w}" y2="{yt:.1f}" stroke="{s.color}" stroke-dasharray="4 3" opacity="0.7"/>')
        out.append(_text(left + plot_w + 4, yt + 4, f"{target_label} {_pct(s.target)}", size=10, fill=s.color))
        run: list[tuple[float, float]] = []
        runs = []
        for i, v in enumerate(s.values):
            if v is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append((x(i), y(v)))
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{s.color}"/>')
        if run:
            runs.append(run)
        for r in runs:
            if len(r) > 1:
                out.append(f'<polyline data-series="{escape(s.label)}" points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in r)}" fill="none" stroke="{s.color}" stroke-width="2"/>')
        last = next(((i, v) for i, v in reversed(list(enumerate(s.values))) if v is not None), None)
        if last is not None:
            py = y(last[1])
            # two series ending close together: the next label goes below its point, then further out
            ly = next((c for c in (py - 6, py + 15, py - 19, py + 28) if all(abs(c - e) >= 12 for e in ends)), py - 6)
            ends.append(ly)
            out.append(_text(x(last[0]) - 6, ly, _pct(last[1]), anchor="end", weight="bold", fill=s.color))
        out.append(f'<rect x="{lx:.1f}" y="6" width="10" height="10" fill="{s.color}"/>')
        out.append(_text(lx + 14, 15, s.label, size=11))
        lx += 14 + _text_width(s.label, 11) + 14
    out.append("</svg>")
    return "".join(out)
