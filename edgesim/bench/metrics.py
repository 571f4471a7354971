"""What one bench run measured, summarised: throughput, latency, stages, cache, edge code.

Two sources feed the same summary. In process, an observer reads each `Exchange` (the
pipeline's stages and hook runs, the X-Cache result type). Against a running edgesim only
the viewer's side is known: X-Cache and the Server-Timing header, whose `dur=` entries
become stages and whose `cdn-hit-layer` names the cache tier that answered.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from edgesim.bench.loadgen import LoadResult, percentile
from edgesim.edge.exchange import Exchange
from edgesim.functions.limits import ComputeBudget

HIT_RESULTS = frozenset({"Hit", "RefreshHit", "OriginShieldHit"})
LOOKUP_RESULTS = HIT_RESULTS | {"Miss"}
ANY_TIER = "all tiers"
SERVER_TIMING_ENTRY = re.compile(r"\s*([^;,\s]+)((?:\s*;\s*[^;,]+)*)")
COLD_START_MARK = "Init Duration:"


def parse_server_timing(value: str) -> list[tuple[str, dict[str, str]]]:
    """`a;dur=1.2, b;desc="EDGE"` as [("a", {"dur": "1.2"}), ("b", {"desc": "EDGE"})]."""
    entries = []
    for match in SERVER_TIMING_ENTRY.finditer(value):
        params = {}
        for param in match.group(2).split(";"):
            key, _, raw = param.strip().partition("=")
            if key:
                params[key.lower()] = raw.strip().strip('"')
        entries.append((match.group(1), params))
    return entries


@dataclass
class Observed:
    """Per-request facts gathered in one run, whichever the source."""

    stages: dict[str, list[float]] = field(default_factory=dict)
    results: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, list[int]] = field(default_factory=dict)  # tier -> [hits, lookups]
    function_ms: dict[str, list[float]] = field(default_factory=dict)
    lambda_warm_ms: dict[str, list[float]] = field(default_factory=dict)
    lambda_cold_ms: dict[str, list[float]] = field(default_factory=dict)

    def add_stage(self, name: str, duration_ms: float) -> None:
        self.stages.setdefault(name, []).append(duration_ms)

    def add_result(self, result_type: str, tier: str | None) -> None:
        self.results[result_type] = self.results.get(result_type, 0) + 1
        if result_type in LOOKUP_RESULTS:
            counts = self.tiers.setdefault(tier or ANY_TIER, [0, 0])
            counts[0] += result_type in HIT_RESULTS
            counts[1] += 1


class ExchangeObserver:
    """The bench's in-process observer; `lambdas` names the config's Lambda@Edge functions."""

    def __init__(self, lambdas: Iterable[str] = ()) -> None:
        self.lambdas = frozenset(lambdas)
        self.observed = Observed()

    def reset(self) -> None:
        """Start counting afresh (after a warm-up); cold starts seen so far are kept."""
        cold = self.observed.lambda_cold_ms
        self.observed = Observed(lambda_cold_ms=cold)

    def __call__(self, exchange: Exchange) -> None:
        observed = self.observed
        for stage in exchange.stages:
            observed.add_stage(f"{stage.name} {stage.detail}".strip() if stage.name != "origin" else "origin", stage.duration_ms)
        tier = None
        if exchange.response is not None:
            tier = _hit_layer(exchange.response.headers.get("Server-Timing") or "")
        observed.add_result(exchange.result_type, tier)
        for run in exchange.hooks:
            if run.function.split(":")[0] in self.lambdas:
                cold = any(COLD_START_MARK in line for line in run.logs)
                target = observed.lambda_cold_ms if cold else observed.lambda_warm_ms
                target.setdefault(run.function, []).append(run.duration_ms)
            else:
                observed.function_ms.setdefault(run.function, []).append(run.duration_ms)


def observed_from_headers(result: LoadResult) -> Observed:
    """What the viewer's side tells: X-Cache result types, Server-Timing stages and hit layer."""
    observed = Observed()
    for sample in result.samples:
        timing = parse_server_timing(sample.server_timing)
        for name, params in timing:
            if "dur" in params:
                try:
                    observed.add_stage(name, float(params["dur"]))
                except ValueError:
                    continue
        result_type = sample.x_cache.split(" from ", 1)[0] if sample.x_cache else "(no X-Cache)"
        observed.add_result(result_type, _hit_layer(sample.server_timing))
    return observed


def _hit_layer(server_timing: str) -> str | None:
    for name, params in parse_server_timing(server_timing):
        if name == "cdn-hit-layer":
            return params.get("desc")
    return None


@dataclass
class Summary:
    """One config's figures, ready for the table and the report."""

    label: str
    source: str
    concurrency: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    failures: int
    observed: Observed

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency(self, p: float) -> float:
        return percentile(self.latencies_ms, p)

    def stage_means(self) -> dict[str, float]:
        return {name: statistics.fmean(values) for name, values in self.observed.stages.items()}

    def hit_ratios(self) -> dict[str, tuple[int, int]]:
        return {tier: (hits, lookups) for tier, (hits, lookups) in self.observed.tiers.items()}

    def functions(self, budget: ComputeBudget | None = None) -> dict[str, dict[str, float]]:
        """Per CloudFront Function: runs, mean time and compute utilization (p50, max) as CloudFront counts it."""
        budget = budget or ComputeBudget()
        out = {}
        for name, durations in self.observed.function_ms.items():
            utilization = [budget.utilization(ms / 1000.0) for ms in durations]
            out[name] = {"runs": len(durations), "mean_ms": statistics.fmean(durations),
                         "utilization_p50": percentile(utilization, 50), "utilization_max": max(utilization)}
        return out

    def lambdas(self) -> dict[str, dict[str, float]]:
        """Per Lambda@Edge function: invocations, cold starts, warm invoke time (p50, mean) and cold invoke time."""
        names = sorted(set(self.observed.lambda_warm_ms) | set(self.observed.lambda_cold_ms))
        out = {}
        for name in names:
            warm = self.observed.lambda_warm_ms.get(name, [])
            cold = self.observed.lambda_cold_ms.get(name, [])
            out[name] = {"invocations": len(warm) + len(cold), "cold_starts": len(cold),
                         "warm_p50_ms": percentile(warm, 50), "warm_mean_ms": statistics.fmean(warm) if warm else 0.0,
                         "cold_mean_ms": statistics.fmean(cold) if cold else 0.0}
        return out

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data (for `--json` and the report's tables)."""
        return {
            "label": self.label, "source": self.source, "concurrency": self.concurrency,
            "requests": self.requests, "seconds": self.seconds, "rps": self.rps, "failures": self.failures,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "latency_ms": {f"p{p}": self.latency(p) for p in (50, 90, 99)} | {"max": self.latency(100)},
            "stages_mean_ms": self.stage_means(),
            "results": dict(self.observed.results),
            "hit_ratio": {tier: {"hits": h, "lookups": n} for tier, (h, n) in self.hit_ratios().items()},
            "functions": self.functions(),
            "lambdas": self.lambdas(),
        }
