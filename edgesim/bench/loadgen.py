"""A bounded loopback load: N requests (or S seconds) at concurrency C, every answer kept.

`edgesim bench` runs it as a child process (`python -m edgesim.bench.loadgen`, a JSON
job on stdin), so the load generator does not compete with the edge for the same
interpreter: progress lines and the final result come back on stdout. The benches in
`bench/` call `drive` directly from their own process.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

LOOPBACK = ("127.0.0.1", "localhost", "::1")
PROGRESS_EVERY_S = 0.1


@dataclass(frozen=True)
class Planned:
    """One request of the workload: a path and the headers it carries."""

    path: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Sample:
    """One answer as the viewer saw it."""

    latency_ms: float
    status: int
    x_cache: str = ""
    server_timing: str = ""


@dataclass
class LoadResult:
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    failures: int = 0

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def latencies_ms(self) -> list[float]:
        return [s.latency_ms for s in self.samples]

    @property
    def statuses(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for sample in self.samples:
            counts[sample.status] = counts.get(sample.status, 0) + 1
        return counts

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def read_paths(path: Path) -> list[Planned]:
    """A workload file: one request per line, `PATH` then optional tab-separated `Name: value` headers.

    Blank lines and lines starting with `#` are skipped.
    """
    planned = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        target, *header_fields = line.split("\t")
        if not target.startswith("/"):
            raise ValueError(f"{path}:{number}: expected a path starting with '/', got {target!r}")
        headers = []
        for header in header_fields:
            name, sep, value = header.partition(":")
            if not sep or not name.strip():
                raise ValueError(f"{path}:{number}: expected 'Name: value', got {header!r}")
            headers.append((name.strip(), value.strip()))
        planned.append(Planned(target, tuple(headers)))
    if not planned:
        raise ValueError(f"{path}: no requests in it")
    return planned


def check_loopback(url: str) -> None:
    if urlsplit(url).hostname not in LOOPBACK:
        raise ValueError(f"{url}: edgesim bench drives loopback addresses only")


async def drive(
    base_url: str,
    workload: Sequence[Planned] = (Planned("/"),),
    *,
    requests: int,
    concurrency: int,
    duration: float | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Send up to `requests` requests (and for at most `duration` seconds), `concurrency` at a time.

    Request i uses `workload[i % len(workload)]`; connections are kept alive.
    """
    check_loopback(base_url)
    base = base_url.rstrip("/")
    samples: list[Sample] = []
    failures = 0
    issued = 0
    last_report = 0.0
    connector = aiohttp.TCPConnector(limit=concurrency)
    started = time.perf_counter()
    deadline = started + duration if duration else None
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

        async def worker() -> None:
            nonlocal issued, failures, last_report
            while issued < requests and (deadline is None or time.perf_counter() < deadline):
                planned = workload[issued % len(workload)]
                issued += 1
                sent = time.perf_counter()
                try:
                    async with session.get(base + planned.path, headers=planned.headers, allow_redirects=False) as answer:
                        await answer.read()
                except aiohttp.ClientError:
                    failures += 1
                    continue
                now = time.perf_counter()
                samples.append(Sample((now - sent) * 1000.0, answer.status, answer.headers.get("X-Cache", ""),
                                      answer.headers.get("Server-Timing", "")))
                if on_progress is not None and now - last_report >= PROGRESS_EVERY_S:
                    last_report = now
                    on_progress(len(samples))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    result = LoadResult(time.perf_counter() - started, samples, failures)
    if on_progress is not None:
        on_progress(result.requests)
    return result


def main() -> None:
    """Child-process entry: a job as JSON on stdin; `progress N` lines, then `result {...}` on stdout."""
    job = json.loads(sys.stdin.read())
    workload = [Planned(p["path"], tuple(map(tuple, p["headers"]))) for p in job["workload"]]

    def progress(done: int) -> None:
        print(f"progress {done}", flush=True)

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(drive(job["url"], workload, requests=job["requests"], concurrency=job["concurrency"],
                               duration=job.get("duration"), on_progress=progress))
    print("result " + json.dumps({"seconds": result.seconds, "failures": result.failures,
                                  "samples": [asdict(s) for s in result.samples]}), flush=True)


if __name__ == "__main__":
    main()
