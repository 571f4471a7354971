"""Soak: a bounded loopback load over hits, misses, a CloudFront Function, errors and
invalidation-like reloads, recording statuses, p99 and the edge's RSS over time.

    python -m bench.soak --seconds 600      # the non-CI run
    EDGESIM_SOAK_SECONDS=20 pytest tests/faults/test_soak.py   # the CI one (default 20 s)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.processes import rss_mb, start_edgesim, start_origin, stop  # noqa: E402

FUNCTION = """function handler(event) {
  if (event.request.uri === '/fn/deny') return { statusCode: 403, statusDescription: 'Forbidden' };
  event.request.headers['x-soak'] = { value: 'yes' };
  return event.request;
}
"""
# (path, expected statuses): a mix of cache hits, misses, function work and errors.
MIX = [
    ("/cached/a", {200}), ("/cached/b", {200}), ("/cached/a", {200}),
    ("/miss/{n}", {200}), ("/fn/ok", {200}), ("/fn/deny", {403}),
    ("/status/503", {503}), ("/status/404", {404}),
]


def write_config(directory: Path, echo_port: int, flaky_port: int) -> Path:
    (directory / "fn.js").write_text(FUNCTION)
    behavior = {"ViewerProtocolPolicy": "allow-all", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}
    config = {
        "DistributionConfig": {
            "Origins": {"Quantity": 2, "Items": [
                {"Id": "echo", "DomainName": "127.0.0.1", "CustomOriginConfig": {"HTTPPort": echo_port, "OriginProtocolPolicy": "http-only"}},
                {"Id": "flaky", "DomainName": "127.0.0.1", "CustomOriginConfig": {"HTTPPort": flaky_port, "OriginProtocolPolicy": "http-only"}},
            ]},
            "DefaultCacheBehavior": {"TargetOriginId": "echo", **behavior},
            "CacheBehaviors": {"Quantity": 2, "Items": [
                {"PathPattern": "/status/*", "TargetOriginId": "flaky", **behavior,
                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
                {"PathPattern": "/fn/*", "TargetOriginId": "echo", **behavior,
                 "FunctionAssociations": {"Quantity": 1, "Items": [{"FunctionARN": "fn", "EventType": "viewer-request"}]}},
            ]},
        },
        "Functions": {"fn": {"Runtime": "cloudfront-js-2.0", "Code": "fn.js"}},
    }
    path = directory / "edgesim.json"
    path.write_text(json.dumps(config))
    return path


async def run(seconds: float, concurrency: int = 16) -> dict:
    work = Path(tempfile.mkdtemp(prefix="edgesim-soak-"))
    echo, echo_url = start_origin("echo")
    flaky, flaky_url = start_origin("flaky")
    config = write_config(work, int(echo_url.rsplit(":", 1)[1]), int(flaky_url.rsplit(":", 1)[1]))
    edge, url, _ = start_edgesim(config, "--watch")
    statuses: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    latencies: list[float] = []
    rss: list[tuple[float, float]] = []
    sent = 0
    started = time.perf_counter()
    deadline = started + seconds
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:

            async def viewer(index: int) -> None:
                nonlocal sent
                n = index
                while time.perf_counter() < deadline:
                    path, expected = MIX[n % len(MIX)]
                    path = path.format(n=n)
                    n += concurrency
                    began = time.perf_counter()
                    sent += 1
                    try:
                        response = await client.get(path)
                    except httpx.HTTPError as exc:
                        unexpected[f"transport:{type(exc).__name__}"] += 1
                        continue
                    latencies.append((time.perf_counter() - began) * 1000)
                    statuses[str(response.status_code)] += 1
                    if response.status_code not in expected:
                        unexpected[f"{path.split('/')[1]}:{response.status_code}"] += 1

            async def publisher() -> None:
                # A config save every few seconds: the edge reloads (caches kept), as a publish would.
                k = 0
                while time.perf_counter() < deadline:
                    await asyncio.sleep(min(5.0, max(0.0, deadline - time.perf_counter())))
                    k += 1
                    (work / "fn.js").write_text(FUNCTION + f"\n// revision {k}\n")

            async def sampler() -> None:
                while time.perf_counter() < deadline:
                    rss.append((round(time.perf_counter() - started, 1), round(rss_mb(edge.pid), 1)))
                    await asyncio.sleep(max(0.5, seconds / 20))

            await asyncio.gather(*(viewer(i) for i in range(concurrency)), publisher(), sampler())
    finally:
        stop(edge)
        stop(echo)
        stop(flaky)
    latencies.sort()
    answered = sum(statuses.values())
    return {
        "seconds": seconds,
        "requests": sent,
        "answered": answered,
        "lost": sent - answered - sum(v for k, v in unexpected.items() if k.startswith("transport:")),
        "statuses": dict(statuses),
        "unexpected": dict(unexpected),
        "p50_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2) if latencies else None,
        "rss_mb": rss,
        "rss_start_mb": rss[1][1] if len(rss) > 1 else None,
        "rss_end_mb": rss[-1][1] if rss else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.seconds)), indent=1))


if __name__ == "__main__":
    main()
