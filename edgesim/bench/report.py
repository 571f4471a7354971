"""The bench's HTML report: one file, inline SVG and CSS, readable offline.

Per config: a latency histogram; for all configs together: a percentile plot (latency at
each percentile, one line per config) and the summary table the console shows.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from edgesim.bench.loadgen import percentile
from edgesim.bench.metrics import Summary

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
WIDTH, HEIGHT, MARGIN = 640, 260, 48
BINS = 40
PERCENTILES = [p / 10 for p in range(0, 1000, 5)] + [99.5, 99.9, 100.0]

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg { background: #fafafa; border: 1px solid #ddd; margin: 0.5em 0; }
svg text { font-size: 11px; fill: #444; }
"""


def render(summaries: Sequence[Summary], *, title: str = "edgesim bench") -> str:
    """The whole report as one HTML document."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        _summary_table(summaries),
        "<h2>Latency by percentile</h2>",
        percentile_plot(summaries),
    ]
    for index, summary in enumerate(summaries):
        parts.append(f"<h2>{html.escape(summary.label)}: latency histogram</h2>")
        parts.append(histogram(summary, COLOURS[index % len(COLOURS)]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _summary_table(summaries: Sequence[Summary]) -> str:
    rows = ["<table><tr><th>config</th><th>requests</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th>"
            "<th>p99 ms</th><th>max ms</th><th>statuses</th></tr>"]
    for s in summaries:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(s.statuses.items()))
        rows.append(
            f"<tr><td>{html.escape(s.label)}</td><td>{s.requests}</td><td>{s.rps:.0f}</td>"
            f"<td>{s.latency(50):.2f}</td><td>{s.latency(90):.2f}</td><td>{s.latency(99):.2f}</td>"
            f"<td>{s.latency(100):.2f}</td><td>{html.escape(statuses)}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def percentile_plot(summaries: Sequence[Summary]) -> str:
    """Latency (log scale) against percentile, one polyline per config, with a legend."""
    top = max((s.latency(100) for s in summaries if s.latencies_ms), default=1.0)
    bottom = min((s.latency(0) for s in summaries if s.latencies_ms), default=0.01)
    low, high = math.log10(max(bottom, 0.001)), math.log10(max(top, bottom * 1.01, 0.002))
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def y(ms: float) -> float:
        return MARGIN + inner_h - (math.log10(max(ms, 0.001)) - low) / (high - low) * inner_h

    parts = [_svg_open("latency by percentile"), _axes()]
    for p in (0, 50, 90, 99, 100):
        x = MARGIN + p / 100 * inner_w
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - MARGIN + 14}" text-anchor="middle">p{p}</text>')
    for tick in _log_ticks(low, high):
        parts.append(f'<text x="{MARGIN - 4}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
    parts.append(f'<text x="{MARGIN}" y="{MARGIN - 8}">ms</text>')
    for index, summary in enumerate(summaries):
        colour = COLOURS[index % len(COLOURS)]
        if summary.latencies_ms:
            points = " ".join(
                f"{MARGIN + p / 100 * inner_w:.1f},{y(percentile(summary.latencies_ms, p)):.1f}" for p in PERCENTILES
            )
            parts.append(f'<polyline class="percentiles" fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(
            f'<text x="{MARGIN + 8}" y="{MARGIN + 14 + 14 * index}" style="fill:{colour}">{html.escape(summary.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(summary: Summary, colour: str) -> str:
    """Request counts in equal-width latency bins from 0 to the run's p99.9 (the rest in the last bin)."""
    values = summary.latencies_ms
    cap = max(percentile(values, 99.9), 0.001) if values else 1.0
    counts = [0] * BINS
    for value in values:
        counts[min(BINS - 1, int(value / cap * BINS))] += 1
    tallest = max(counts) or 1
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    bar_w = inner_w / BINS
    parts = [_svg_open(f"latency histogram of {summary.label}"), _axes()]
    for index, count in enumerate(counts):
        height = count / tallest * inner_h
        parts.append(
            f'<rect class="bin" x="{MARGIN + index * bar_w:.1f}" y="{MARGIN + inner_h - height:.1f}" '
            f'width="{bar_w - 1:.1f}" height="{height:.1f}" fill="{colour}"><title>{count} requests</title></rect>'
        )
    for fraction in (0, 0.5, 1):
        x = MARGIN + fraction * inner_w
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - MARGIN + 14}" text-anchor="middle">{fraction * cap:.2f} ms</text>')
    parts.append(f'<text x="{MARGIN - 4}" y="{MARGIN + 4}" text-anchor="end">{tallest}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(label)}">')


def _axes() -> str:
    bottom, right = HEIGHT - MARGIN, WIDTH - MARGIN
    return (f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{bottom}" stroke="#888"/>'
            f'<line x1="{MARGIN}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>')


def _log_ticks(low: float, high: float) -> list[float]:
    return [10.0**k for k in range(math.floor(low), math.ceil(high) + 1) if low <= k <= high] or [10**low, 10**high]
