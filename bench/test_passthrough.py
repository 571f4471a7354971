"""Requests per second and added latency through edgesim (no hooks) vs the same origin direct.

Both are measured in the same run, alternating, and printed as ratios; nothing here
asserts a time. Run: `.venv/bin/python -m pytest bench/test_passthrough.py -s`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from edgesim.bench.loadgen import Planned, drive
from bench.processes import rss_mb, start_edgesim, start_origin, stop

ROUNDS = 3


def passthrough_config(tmp_path: Path, origin_url: str) -> Path:
    port = int(origin_url.rsplit(":", 1)[1])
    document = {"DistributionConfig": {
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "127.0.0.1",
                                              "CustomOriginConfig": {"HTTPPort": port, "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
    }}
    path = tmp_path / "passthrough.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_passthrough_throughput_and_added_latency(tmp_path):
    origin, origin_url = start_origin("static")
    edge, edge_url, launch_s = start_edgesim(passthrough_config(tmp_path, origin_url), "--quiet")
    try:
        path = "/data.json"
        asyncio.run(drive(origin_url, [Planned(path)], requests=500, concurrency=8))
        asyncio.run(drive(edge_url, [Planned(path)], requests=500, concurrency=8))
        rows = []
        for _ in range(ROUNDS):
            direct16 = asyncio.run(drive(origin_url, [Planned(path)], requests=2000, concurrency=16))
            edge16 = asyncio.run(drive(edge_url, [Planned(path)], requests=2000, concurrency=16))
            direct1 = asyncio.run(drive(origin_url, [Planned(path)], requests=400, concurrency=1))
            edge1 = asyncio.run(drive(edge_url, [Planned(path)], requests=400, concurrency=1))
            assert set(edge16.statuses) == {200} and set(edge1.statuses) == {200}
            rows.append((direct16, edge16, direct1, edge1))
        print()
        print("round  direct c16 rps  edge c16 rps  ratio  direct c1 p50 ms  edge c1 p50 ms  added p50 ms")
        for i, (d16, e16, d1, e1) in enumerate(rows, 1):
            print(f"{i:5d}  {d16.rps:14.0f}  {e16.rps:12.0f}  {e16.rps / d16.rps:5.2f}  {d1.p50:16.3f}  {e1.p50:14.3f}  {e1.p50 - d1.p50:12.3f}")
        ratios = sorted(e16.rps / d16.rps for d16, e16, _, _ in rows)
        added = sorted(e1.p50 - d1.p50 for _, _, d1, e1 in rows)
        print(f"median throughput ratio edge/direct at c=16: {ratios[len(ratios) // 2]:.2f}")
        print(f"median added latency at c=1 (p50): {added[len(added) // 2]:.3f} ms")
        print(f"launch to first answer: {launch_s:.2f} s; edgesim RSS after load: {rss_mb(edge.pid):.0f} MB")
    finally:
        stop(edge)
        stop(origin)
