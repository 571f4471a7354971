"""A bounded loopback load driver for the benches: N requests at concurrency C, latencies kept."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)


async def drive(url: str, *, requests: int, concurrency: int, headers: dict[str, str] | None = None) -> LoadResult:
    host = urlsplit(url).hostname
    assert host in ("127.0.0.1", "localhost", "::1"), "benches drive loopback only"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = iter(range(requests))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

        async def worker() -> None:
            for _ in queue:
                started = time.perf_counter()
                async with session.get(url, headers=headers) as response:
                    await response.read()
                latencies.append((time.perf_counter() - started) * 1000.0)
                statuses[response.status] = statuses.get(response.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadResult(requests, seconds, latencies, statuses)
