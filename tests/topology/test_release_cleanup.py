"""Closing an edge ends the processes its function versions started, not only the current runtimes."""

from __future__ import annotations

import os
from pathlib import Path

from edgesim.config.load import build_config
from edgesim.edge.assembly import Edge
from edgesim.edge.model import EdgeRequest, Headers

REGEX_FUNCTION = "function handler(event) { if (/^\\/old/.test(event.request.uri)) { event.request.uri = '/new'; } return event.request; }"


def function_workers() -> set[int]:
    """Children of this process running the isolated CloudFront Functions worker."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"edgesim.functions.worker" in cmdline:
            found.add(int(entry.name))
    return found


async def test_closing_the_edge_ends_isolated_function_workers_of_every_version(tmp_path):
    (tmp_path / "fn.js").write_text(REGEX_FUNCTION)
    config = build_config({
        "Functions": {"rewrite": {"Runtime": "cloudfront-js-2.0", "Code": "fn.js"}},
        "DistributionConfig": {
            "Origins": {"Items": [{"Id": "o", "DomainName": "127.0.0.1",
                                   "CustomOriginConfig": {"HTTPPort": 1029, "OriginProtocolPolicy": "http-only"}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                     "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                                     "FunctionAssociations": {"Items": [{"FunctionARN": "rewrite", "EventType": "viewer-request"}]}},
        },
    }, base_dir=tmp_path)
    before = function_workers()
    edge = Edge(config)
    await edge.start()
    exchange = await edge.handle(EdgeRequest("GET", "/old", headers=Headers([("Host", "x")])))
    assert exchange.hooks and exchange.hooks[0].outcome == "ok"
    assert function_workers() - before, "a function with a regex runs in its own process"
    await edge.close()
    assert function_workers() - before == set()
