"""The bench's HTML report: one file, inline SVG and CSS, readable offline.

What was run and on what (settings, machine, load average), the console's figures with
the same ratios to the first config, cache hit ratios, time per stage, edge code (CloudFront
Functions, Lambda@Edge cold starts), a percentile plot for all configs together and a
latency histogram per config.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence

from edgesim.bench import table
from edgesim.bench.loadgen import percentile
from edgesim.bench.metrics import HIT_RESULTS, LOOKUP_RESULTS, Summary

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 36, 48  # plot margins: tick labels and axis titles live there
BINS = 40
FONT_PX = 11
X_LABEL_DROP = 20  # below the x axis: clear of the lowest y label, which sits on the axis
LABEL_GAP_PX = 6  # the least room between two tick labels; closer ones are left out
MAX_TAIL_DECADES = 5  # the percentile axis goes at most to p99.999
TAIL_LABELS = ((0.0, "min"), (math.log10(2), "p50"), (1.0, "p90"), (2.0, "p99"), (3.0, "p99.9"), (4.0, "p99.99"),
               (5.0, "p99.999"))
POINTS_PER_DECADE = 60
FEW_DECADES = 2

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
table.facts td, #cache td, #cache th { text-align: left; }
.better { color: #1a7f37; } .worse { color: #b42318; }
.ratio { font-size: 0.85em; }
.stage-bar { display: inline-block; height: 0.7em; background: #1f77b4; vertical-align: middle; margin-left: 6px; }
svg { background: #fafafa; border: 1px solid #ddd; margin: 0.5em 0; }
svg text { font-size: 11px; fill: #444; }
svg .grid { stroke: #e4e4e4; }
svg .minor { stroke: #f0f0f0; }
.note { color: #666; font-size: 0.9em; }
"""


def render(summaries: Sequence[Summary], *, settings: Mapping[str, str] | None = None,
           machine: Mapping[str, str] | None = None, title: str = "edgesim bench") -> str:
    """The whole report as one HTML document; `settings` and `machine` as label -> text."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if settings:
        parts += ["<h2>Run</h2>", _facts("settings", settings)]
    if machine:
        parts += ["<h2>Machine</h2>", _facts("machine", machine)]
    parts += ["<h2>Figures</h2>", summary_table(summaries)]
    if len(summaries) > 1:
        parts.append(f'<p class="note">Ratios are to {html.escape(summaries[0].label)}, as the console prints them;'
                     " green is better, red is worse.</p>")
    parts += ["<h2>Cache</h2>", cache_table(summaries), "<h2>Time per stage</h2>", stage_table(summaries)]
    edge_code = edge_code_tables(summaries)
    if edge_code:
        parts += ["<h2>Edge code</h2>", edge_code]
    parts += ["<h2>Latency by percentile</h2>", percentile_plot(summaries)]
    for index, summary in enumerate(summaries):
        parts.append(f"<h2>{html.escape(summary.label)}: latency histogram</h2>")
        parts.append(histogram(summary, COLOURS[index % len(COLOURS)]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _facts(name: str, facts: Mapping[str, str]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts.items())
    return f'<table class="facts" id="{name}">{rows}</table>'


def _row(cells: Iterable[str], header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{cell}</{tag}>" for cell in cells) + "</tr>"


def summary_table(summaries: Sequence[Summary]) -> str:
    """One row per config; each compared figure after the first config also as its ratio to the first."""
    compared = table.comparison(summaries)
    rows = [_row(["config", "requests", *(name for name, *_ in compared), "statuses", "hit ratio",
                  "Lambda cold starts"], header=True)]
    for index, s in enumerate(summaries):
        cells = [html.escape(s.label), str(s.requests)]
        for _, values, ratios, higher_is_better in compared:
            cell = table.figure_text(values[index])
            if index:
                better = ratios[index] > 1 if higher_is_better else ratios[index] < 1
                tone = "better" if better else "worse" if ratios[index] != 1 else ""
                cell += f' <span class="ratio {tone}">({ratios[index]:.2f}x)</span>'
            cells.append(cell)
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(s.statuses.items()))
        if s.failures:
            statuses += f", transport failures: {s.failures}"
        cells += [html.escape(statuses), _hit_ratio(*_all_tiers(s)), str(sum(int(lam["cold_starts"]) for lam in s.lambdas().values()))]
        rows.append(_row(cells))
    return '<table id="figures">' + "".join(rows) + "</table>"


def _all_tiers(summary: Summary) -> tuple[int, int]:
    """Hits and lookups over every tier: a request is a hit if any tier answered it."""
    results = summary.observed.results
    return (sum(n for name, n in results.items() if name in HIT_RESULTS),
            sum(n for name, n in results.items() if name in LOOKUP_RESULTS))


def _hit_ratio(hits: int, lookups: int) -> str:
    return f"{hits / lookups:.1%} ({hits}/{lookups})" if lookups else "no cache lookups"


def cache_table(summaries: Sequence[Summary]) -> str:
    """X-Cache results and hit ratio per tier, per config."""
    rows = [_row(["config", "X-Cache results", "hit ratio by tier that answered"], header=True)]
    for s in summaries:
        total = sum(s.observed.results.values()) or 1
        results = ", ".join(f"{html.escape(name)} {n / total:.0%} ({n})"
                            for name, n in sorted(s.observed.results.items(), key=lambda r: -r[1]))
        tiers = "<br>".join(f"{html.escape(tier)}: {_hit_ratio(h, n)}" for tier, (h, n) in sorted(s.hit_ratios().items()))
        rows.append(_row([html.escape(s.label), results or "-", tiers or "no cache lookups"]))
    return '<table id="cache">' + "".join(rows) + "</table>"


def stage_table(summaries: Sequence[Summary]) -> str:
    """Mean time per stage (a row per stage, a column per config), with a bar to scale."""
    means = [s.stage_means() for s in summaries]
    names = list(dict.fromkeys(name for stages in means for name in stages))
    if not names:
        return '<p class="note">No stages were recorded.</p>'
    longest = max(ms for stages in means for ms in stages.values()) or 1.0
    rows = [_row(["stage (mean ms)", *(html.escape(s.label) for s in summaries)], header=True)]
    for name in names:
        cells = [html.escape(name)]
        for stages in means:
            ms = stages.get(name)
            cells.append("-" if ms is None else
                         f'{ms:.3f}<span class="stage-bar" style="width:{60 * ms / longest:.1f}px"></span>')
        rows.append(_row(cells))
    return '<table id="stages">' + "".join(rows) + "</table>"


def edge_code_tables(summaries: Sequence[Summary]) -> str:
    """CloudFront Functions (runs, time, compute utilization) and Lambda@Edge (cold starts, warm time)."""
    functions = [(s.label, name, f) for s in summaries for name, f in s.functions().items()]
    lambdas = [(s.label, name, lam) for s in summaries for name, lam in s.lambdas().items()]
    parts = []
    if functions:
        rows = [_row(["config", "CloudFront Function", "runs", "mean ms", "compute utilization p50", "max"], header=True)]
        rows += [_row([html.escape(label), html.escape(name), f"{f['runs']:.0f}", f"{f['mean_ms']:.3f}",
                       f"{f['utilization_p50']:.0f}", f"{f['utilization_max']:.0f}"]) for label, name, f in functions]
        parts.append('<table id="functions">' + "".join(rows) + "</table>")
    if lambdas:
        rows = [_row(["config", "Lambda@Edge", "invocations", "cold starts", "cold mean ms", "warm p50 ms",
                      "warm mean ms"], header=True)]
        rows += [_row([html.escape(label), html.escape(name), f"{lam['invocations']:.0f}", f"{lam['cold_starts']:.0f}",
                       f"{lam['cold_mean_ms']:.1f}", f"{lam['warm_p50_ms']:.3f}", f"{lam['warm_mean_ms']:.3f}"])
                 for label, name, lam in lambdas]
        parts.append('<table id="lambdas">' + "".join(rows) + "</table>")
        parts.append('<p class="note">Cold starts include those of the warm-up; a cold invoke includes the'
                     " worker's start.</p>")
    return "".join(parts)


# -- plots ---------------------------------------------------------------------------------


def _tail_x(p: float) -> float:
    """Where percentile `p` sits on an axis that gives each decade of the tail the same room."""
    return -math.log10(max(1 - p / 100, 10.0**-MAX_TAIL_DECADES))


def _spaced(ticks: Iterable[tuple[float, str]], min_gap: float) -> list[tuple[float, str]]:
    """Ticks (position in px, label) whose labels do not touch; a label too close to the one kept before is left out."""
    kept: list[tuple[float, str]] = []
    for position, label in sorted(ticks):
        width = _text_width(label)
        if kept:
            last, last_label = kept[-1]
            if abs(position - last) < (width + _text_width(last_label)) / 2 + min_gap:
                continue
        kept.append((position, label))
    return kept


def _text_width(label: str) -> float:
    return len(label) * FONT_PX * 0.62  # DejaVu Sans, the widest of the usual sans fonts, averages about 0.6 em


def percentile_plot(summaries: Sequence[Summary]) -> str:
    """Latency (log scale, a label at each decade) against percentile, the tail spread out; a line per config."""
    measured = [s for s in summaries if s.latencies_ms]
    top = max((s.latency(100) for s in measured), default=1.0)
    bottom = min((max(s.latency(0), 0.001) for s in measured), default=0.1)
    low, high = math.floor(math.log10(bottom)), math.ceil(math.log10(top))
    if high <= low:
        high = low + 1
    decades = min(MAX_TAIL_DECADES, max(1.0, math.log10(max((s.requests for s in measured), default=10))))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(tail: float) -> float:
        return LEFT + min(tail, decades) / decades * inner_w

    def y(ms: float) -> float:
        return TOP + inner_h - (math.log10(max(ms, 0.001)) - low) / (high - low) * inner_h

    parts = [_svg_open("latency by percentile")]
    for k in range(low, high + 1):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + inner_w}" y1="{y(10.0**k):.1f}" y2="{y(10.0**k):.1f}"/>')
        if k < high:
            for step in range(2, 10):
                at = y(step * 10.0**k)
                parts.append(f'<line class="minor" x1="{LEFT}" x2="{LEFT + inner_w}" y1="{at:.1f}" y2="{at:.1f}"/>')
        parts.append(f'<text class="tick y" x="{LEFT - 6}" y="{y(10.0**k) + 4:.1f}" text-anchor="end">'
                     f"{_decade(k)}</text>")
        if k < high and high - low <= FEW_DECADES:  # few decades: label 2 and 5 of each too
            for step in (2, 5):
                parts.append(f'<text class="tick y" x="{LEFT - 6}" y="{y(step * 10.0**k) + 4:.1f}" text-anchor="end">'
                             f"{_decade(k, step)}</text>")
    ticks = [(x(tail), label) for tail, label in TAIL_LABELS if tail < decades - 0.2] + [(x(decades), "max")]
    for position, label in _spaced(ticks, LABEL_GAP_PX):
        parts.append(f'<line class="grid" x1="{position:.1f}" x2="{position:.1f}" y1="{TOP}" y2="{TOP + inner_h}"/>')
        parts.append(f'<text class="tick x" x="{position:.1f}" y="{TOP + inner_h + X_LABEL_DROP}" text-anchor="middle">'
                     f"{label}</text>")
    parts.append(_axes(inner_w, inner_h))
    parts.append(_axis_titles("percentile (each decade of the tail gets the same width)", "latency, ms (log)",
                              inner_w, inner_h))
    for index, summary in enumerate(summaries):
        colour = COLOURS[index % len(COLOURS)]
        if summary.latencies_ms:
            steps = int(decades * POINTS_PER_DECADE)
            tails = [decades * i / steps for i in range(steps)]
            points = [(x(t), y(percentile(summary.latencies_ms, 100 * (1 - 10.0**-t)))) for t in tails]
            points.append((x(decades), y(summary.latency(100))))
            drawn = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline class="percentiles" fill="none" stroke="{colour}" stroke-width="2" points="{drawn}"/>')
    parts.append(_legend([s.label for s in summaries]))
    parts.append("</svg>")
    return "".join(parts)


def _decade(k: int, step: int = 1) -> str:
    return f"{step * 10.0**k:.{max(0, -k)}f}"


def _legend(labels: Sequence[str]) -> str:
    """The config names in a row above the plot, each in its line's colour."""
    parts, at = [], float(LEFT)
    for index, label in enumerate(labels):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<rect x="{at:.1f}" y="{TOP - 22}" width="14" height="3" fill="{colour}"/>'
                     f'<text class="legend" x="{at + 18:.1f}" y="{TOP - 17}" style="fill:{colour}">'
                     f"{html.escape(label)}</text>")
        at += 18 + _text_width(label) + 16
    return "".join(parts)


def _nice_step(span: float, most: int) -> float:
    """The smallest 1, 2 or 5 times a power of ten that cuts `span` into at most `most` steps."""
    raw = span / max(most, 1) or 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _linear_ticks(top: float, most: int, *, cover: bool = False) -> list[float]:
    """Round ticks from 0 up to `top` (with `cover`, up to the first at or above it)."""
    step = _nice_step(top, most)
    count = math.ceil(top / step - 1e-9) if cover else int(top / step + 1e-9)
    return [i * step for i in range(count + 1)]


def _number(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:.{decimals}f}"


def histogram(summary: Summary, colour: str) -> str:
    """Request counts in equal-width latency bins from 0 to the run's p99.9 (the rest in the last bin)."""
    values = summary.latencies_ms
    cap = max(percentile(values, 99.9), 0.001) if values else 1.0
    counts = [0] * BINS
    for value in values:
        counts[min(BINS - 1, int(value / cap * BINS))] += 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    tallest = max(counts) or 1
    count_ticks = _linear_ticks(tallest, 5, cover=True)
    count_top = count_ticks[-1]
    bar_w = inner_w / BINS
    parts = [_svg_open(f"latency histogram of {summary.label}")]
    for tick in count_ticks:
        at = TOP + inner_h - tick / count_top * inner_h
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + inner_w}" y1="{at:.1f}" y2="{at:.1f}"/>'
                     f'<text class="tick y" x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">{tick:.0f}</text>')
    for index, count in enumerate(counts):
        height = count / count_top * inner_h
        parts.append(
            f'<rect class="bin" x="{LEFT + index * bar_w:.1f}" y="{TOP + inner_h - height:.1f}" '
            f'width="{bar_w - 1:.1f}" height="{height:.1f}" fill="{colour}">'
            f"<title>{count} requests</title></rect>"
        )
    step = _nice_step(cap, 8)
    ticks = [(LEFT + t / cap * inner_w, _number(t, step)) for t in _linear_ticks(cap, 8)]
    for position, label in _spaced(ticks, LABEL_GAP_PX):
        parts.append(f'<text class="tick x" x="{position:.1f}" y="{TOP + inner_h + X_LABEL_DROP}" text-anchor="middle">{label}</text>')
    parts.append(_axes(inner_w, inner_h))
    parts.append(_axis_titles(f"latency, ms (the last bin holds everything above p99.9, {cap:.2f} ms)", "requests",
                              inner_w, inner_h))
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(label)}">')


def _axes(inner_w: float, inner_h: float) -> str:
    bottom, right = TOP + inner_h, LEFT + inner_w
    return (f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#888"/>'
            f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>')


def _axis_titles(x_title: str, y_title: str, inner_w: float, inner_h: float) -> str:
    middle_x, middle_y = LEFT + inner_w / 2, TOP + inner_h / 2
    return (f'<text class="axis-title" x="{middle_x:.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
            f"{html.escape(x_title)}</text>"
            f'<text class="axis-title" x="16" y="{middle_y:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 16 {middle_y:.1f})">{html.escape(y_title)}</text>')
