"""Time spent between places: one latency distribution per hop, off unless asked for.

Hops are viewer-pop, pop-rec and rec-origin (pop-origin when a request bypasses the
REC). Each is a log-normal round trip around a median: most trips near it, a few slow.
When on, the proxy really waits (`asyncio.sleep`), so a browser or a load test feels it;
the pipeline records each wait as an exchange stage (`hop-<name>`), which Server-Timing
shows. The `realistic` profile comes from `figures`.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from edgesim.config.model import TopologySettings
from edgesim.topology import figures

VIEWER_POP = "viewer-pop"
POP_REC = "pop-rec"
REC_ORIGIN = "rec-origin"
POP_ORIGIN = "pop-origin"

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Hop:
    """A round-trip distribution: `median_ms` times e^N(0, spread)."""

    median_ms: float
    spread: float = 0.0

    def sample(self, rng: random.Random) -> float:
        if self.spread <= 0:
            return self.median_ms
        return self.median_ms * math.exp(rng.gauss(0.0, self.spread))


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def region_rtt_ms(a: str, b: str) -> float:
    """Round trip between two AWS regions: measured where published, else estimated from distance."""
    if a == b:
        return figures.SAME_REGION_RTT_MS
    measured = figures.MEASURED_RTT_MS.get(frozenset((a, b)))
    if measured is not None:
        return measured
    return estimated_rtt_ms(a, b)


def estimated_rtt_ms(a: str, b: str) -> float:
    """Fibre at 200 km/ms over the great circle, stretched by the measured route factor."""
    where_a, where_b = figures.REGION_LOCATIONS.get(a), figures.REGION_LOCATIONS.get(b)
    if where_a is None or where_b is None:
        raise KeyError(f"no location known for {a if where_a is None else b}")
    one_way = great_circle_km(where_a, where_b) / figures.FIBRE_KM_PER_MS
    return round(figures.SAME_REGION_RTT_MS + 2 * one_way * figures.ROUTE_FACTOR, 1)


def realistic_hops() -> dict[str, Hop]:
    """The hops that do not depend on where the origin is."""
    return {
        VIEWER_POP: Hop(figures.VIEWER_POP_MEDIAN_MS, figures.VIEWER_POP_SPREAD),
        POP_REC: Hop(figures.POP_REC_MEDIAN_MS, figures.POP_REC_SPREAD),
    }


class LatencyModel:
    """Samples and waits out each hop; with no hops configured it never waits."""

    def __init__(
        self,
        hops: dict[str, Hop] | None = None,
        *,
        origin_region: str | None = None,
        seed: int | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.hops = dict(hops or {})
        self.origin_region = origin_region
        self.rng = random.Random(seed)
        self.sleep = sleep

    @classmethod
    def from_settings(cls, places: TopologySettings, *, seed: int | None = None, sleep: Sleep = asyncio.sleep) -> LatencyModel:
        """`off` unless `Latency.Profile: realistic`; per-hop settings replace the profile's figure."""
        hops = realistic_hops() if places.latency_profile == "realistic" else {}
        hops.update({name: Hop(h.median_ms, h.spread) for name, h in places.hops.items()})
        realistic = places.latency_profile == "realistic"
        return cls(hops, origin_region=places.origin_region if realistic else None, seed=seed, sleep=sleep)

    @property
    def enabled(self) -> bool:
        return bool(self.hops) or self.origin_region is not None

    def hop(self, name: str, region: str) -> Hop | None:
        """The distribution of hop `name` for a POP whose REC is `region`."""
        if name == POP_ORIGIN:
            name = REC_ORIGIN
        if name in self.hops:
            return self.hops[name]
        if name == REC_ORIGIN and self.origin_region is not None:
            try:
                median = region_rtt_ms(region, self.origin_region)
            except KeyError:
                return None
            return Hop(median, figures.REC_ORIGIN_SPREAD)
        return None

    async def wait(self, name: str, region: str) -> float | None:
        """Spend one sampled round trip of hop `name`; the milliseconds waited, or None when off."""
        hop = self.hop(name, region)
        if hop is None:
            return None
        ms = hop.sample(self.rng)
        await self.sleep(ms / 1000.0)
        return ms
