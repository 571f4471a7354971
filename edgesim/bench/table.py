"""The bench's console output: one block per config, and a side-by-side comparison with ratios."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from edgesim.bench.metrics import Summary


def describe(summary: Summary) -> str:
    """One config's figures as labelled lines."""
    lines = [
        f"{summary.label}  ({summary.source}, {summary.requests} requests at concurrency {summary.concurrency}"
        f" in {summary.seconds:.2f} s)",
        f"  requests/s     {summary.rps:,.0f}",
        f"  latency ms     p50 {summary.latency(50):.2f}  p90 {summary.latency(90):.2f}  "
        f"p99 {summary.latency(99):.2f}  max {summary.latency(100):.2f}",
        "  statuses       " + "  ".join(f"{code}: {n}" for code, n in sorted(summary.statuses.items()))
        + (f"  transport failures: {summary.failures}" if summary.failures else ""),
    ]
    stages = summary.stage_means()
    if stages:
        lines.append("  stages ms      " + "  ".join(f"{name} {ms:.3f}" for name, ms in stages.items()) + "  (mean)")
    total = sum(summary.observed.results.values()) or 1
    results = "  ".join(f"{name} {n / total:.0%}" for name, n in sorted(summary.observed.results.items(), key=lambda r: -r[1]))
    lines.append(f"  X-Cache        {results or '-'}")
    ratios = summary.hit_ratios()
    hit_text = "  ".join(f"{tier} {h / n:.1%} ({h}/{n})" for tier, (h, n) in sorted(ratios.items()))
    lines.append(f"  hit ratio      {hit_text or 'no cache lookups'}")
    for name, f in summary.functions().items():
        lines.append(
            f"  function       {name}: {f['runs']:.0f} runs, {f['mean_ms']:.3f} ms mean, "
            f"compute utilization p50 {f['utilization_p50']:.0f} max {f['utilization_max']:.0f}"
        )
    for name, lam in summary.lambdas().items():
        lines.append(
            f"  lambda         {name}: {lam['invocations']:.0f} invocations, {lam['cold_starts']:.0f} cold starts"
            f" of {lam['cold_mean_ms']:.1f} ms (warm-up included), warm p50 {lam['warm_p50_ms']:.3f} ms mean {lam['warm_mean_ms']:.3f} ms"
        )
    return "\n".join(lines)


# The figures set side by side, each with whether a higher value is the better one.
COMPARED: tuple[tuple[str, Callable[[Summary], float], bool], ...] = (
    ("requests/s", lambda s: s.rps, True),
    ("p50 ms", lambda s: s.latency(50), False),
    ("p90 ms", lambda s: s.latency(90), False),
    ("p99 ms", lambda s: s.latency(99), False),
    ("max ms", lambda s: s.latency(100), False),
)


def comparison(summaries: Sequence[Summary]) -> list[tuple[str, list[float], list[float], bool]]:
    """Per compared figure: its name, the value per config, the ratio of each to the first, higher-is-better."""
    rows = []
    for name, figure, higher_is_better in COMPARED:
        values = [figure(s) for s in summaries]
        ratios = [value / values[0] if values[0] else float("nan") for value in values]
        rows.append((name, values, ratios, higher_is_better))
    return rows


def compare(summaries: Sequence[Summary]) -> str:
    """Columns per config; each figure after the first column also as a ratio to the first."""
    base = summaries[0]
    header = ["", *(s.label for s in summaries)]
    table = [header]
    for name, values, ratios, _ in comparison(summaries):
        table.append([name, figure_text(values[0]),
                      *(f"{figure_text(value)} ({ratio:.2f}x)" for value, ratio in zip(values[1:], ratios[1:]))])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    out = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
           for row in table]
    out.append(f"ratios are to {base.label}")
    return "\n".join(out)


def figure_text(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
