"""End-to-end: edgesim vs nginx, origin direct and a bare Starlette app, each its own process.

Issue #8 item 3. Every server runs in its own process and the load generator
(`edgesim.bench.loadgen`) runs in a child process per measurement. Rounds alternate the
targets (forward, then backward) so drift on the shared machine hits all alike; the
figures are medians over rounds with their ranges. Nothing asserts a time: the test fails
only on non-200 answers, failed requests, or X-Cache not Miss (CachingDisabled) / Hit
(CachingOptimized).

Origin: `python -m bench.processes fixed`, a raw httptools+uvloop server answering the
same small JSON. The bundled `python -m origins static` (Starlette StaticFiles: a stat
and a file read per request) tops out at about 700-1,000 req/s at c=16 and 1.2 ms p50 at c=1
here, so it would cap nginx and edgesim alike and hide their own cost; its figures are
printed once as a reference.

Run: `.venv/bin/python -m pytest bench/test_end_to_end.py -s`.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import pytest
import yaml

from bench.processes import (Nginx, children, loadgen, rss_mb, start_baseline, start_edgesim, start_origin,
                             stop)

ROUNDS = 5
REQUESTS_C16 = 2000
REQUESTS_C1 = 300
LAUNCHES = 5
PATH = "/data.json"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"

FUNCTION_JS = """\
// viewer-request: tag the request with the viewer's country group before it goes on.
function handler(event) {
    var request = event.request;
    var country = request.headers['cloudfront-viewer-country'];
    request.headers['x-viewer-group'] = { value: country ? country.value.toLowerCase() : 'unknown' };
    return request;
}
"""

LAMBDA_PY = """\
def lambda_handler(event, context):
    return event["Records"][0]["cf"]["request"]
"""


def edge_config(tmp_path: Path, name: str, origin_url: str, policy: str, *, function: bool = False,
                lambda_: bool = False) -> Path:
    """A one-origin distribution on the fixed origin, with at most one hook."""
    port = int(origin_url.rsplit(":", 1)[1])
    behavior: dict = {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": policy}
    document: dict = {"DistributionConfig": {
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "127.0.0.1",
                                              "CustomOriginConfig": {"HTTPPort": port, "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": behavior,
    }}
    if function:
        (tmp_path / "tag.js").write_text(FUNCTION_JS)
        behavior["FunctionAssociations"] = {"Quantity": 1, "Items": [
            {"FunctionARN": "arn:aws:cloudfront::111122223333:function/tag", "EventType": "viewer-request"}]}
        document["Functions"] = {"tag": {"Runtime": "cloudfront-js-2.0", "Code": "tag.js"}}
    if lambda_:
        (tmp_path / "noop").mkdir(exist_ok=True)
        (tmp_path / "noop" / "lambda_function.py").write_text(LAMBDA_PY)
        behavior["LambdaFunctionAssociations"] = {"Quantity": 1, "Items": [
            {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:111122223333:function:noop:1",
             "EventType": "origin-request", "IncludeBody": False}]}
        document["Lambdas"] = {"noop": {"Runtime": "python3.12", "Code": "noop"}}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def median_range(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def process_tree_rss(pid: int) -> tuple[float, float, int]:
    """RSS in MB of a process and of all its descendants, and how many descendants."""
    kids = children(pid)
    return rss_mb(pid), sum(rss_mb(k) for k in kids), len(kids)


def measure(url: str, *, c16: bool = True) -> dict:
    """One measurement: c=16 throughput and c=1 p50, each from a fresh loadgen process; all 200."""
    out = {}
    if c16:
        busy = loadgen(url, PATH, requests=REQUESTS_C16, concurrency=16)
        assert busy.failures == 0 and set(busy.statuses) == {200}, (url, busy.statuses, busy.failures)
        out["rps"], out["x_cache"] = busy.rps, {s.x_cache for s in busy.samples}
    one = loadgen(url, PATH, requests=REQUESTS_C1, concurrency=1)
    assert one.failures == 0 and set(one.statuses) == {200}, (url, one.statuses, one.failures)
    out["p50"] = one.p50
    return out


def test_end_to_end(tmp_path):
    started = time.perf_counter()
    running = []
    nginx = None
    try:
        origin, origin_url = start_baseline("fixed")
        running.append(origin)
        static, static_url = start_origin("static")
        running.append(static)
        bare, bare_url = start_baseline("starlette")
        running.append(bare)
        targets = {"origin direct": origin_url}
        nginx = Nginx(origin_url)
        if nginx.binary is None:
            print("\nnginx not found: skipping the nginx row and the pass-through / nginx ratio")
        else:
            targets["nginx proxy"] = nginx.start()
        for name, policy, hooks in [("edgesim no hooks", CACHING_DISABLED, {}),
                                    ("edgesim 1 CF Function", CACHING_DISABLED, {"function": True}),
                                    ("edgesim 1 Lambda@Edge", CACHING_DISABLED, {"lambda_": True}),
                                    ("edgesim cache hits", CACHING_OPTIMIZED, {})]:
            config = edge_config(tmp_path, name.replace(" ", "-").replace("@", ""), origin_url, policy, **hooks)
            edge, edge_url, _ = start_edgesim(config, "--quiet")
            running.append(edge)
            targets[name] = edge_url
        targets["bare Starlette"] = bare_url

        for url in [*targets.values(), static_url]:  # warm-up: connections, JIT-less caches, Lambda cold start
            assert set(loadgen(url, PATH, requests=300, concurrency=8).statuses) == {200}
        static_ref = measure(static_url)

        results: dict[str, list[dict]] = {name: [] for name in targets}
        loads = []
        names = list(targets)
        for round_ in range(ROUNDS):
            for name in names if round_ % 2 == 0 else reversed(names):
                results[name].append(measure(targets[name]))
                loads.append(os.getloadavg()[0])
        assert results["edgesim no hooks"][0]["x_cache"] == {"Miss from cloudfront"}
        assert results["edgesim cache hits"][-1]["x_cache"] == {"Hit from cloudfront"}

        print(f"\n{ROUNDS} rounds, c=16 x {REQUESTS_C16} and c=1 x {REQUESTS_C1} requests per target per round;"
              f" 1-min load average {median_range(loads)} during the rounds")
        print(f"{'target':24s} {'c=16 req/s median [range]':>30s} {'c=1 p50 ms median [range]':>28s}")
        for name in names:
            rps = [r["rps"] for r in results[name]]
            p50 = [r["p50"] for r in results[name]]
            print(f"{name:24s} {median_range(rps, '{:.0f}'):>30s} {median_range(p50, '{:.3f}'):>28s}")
        print(f"{'(bundled static origin)':24s} {static_ref['rps']:30.0f} {static_ref['p50']:28.3f}")

        def ratio(a: str, b: str, key: str = "rps") -> list[float]:
            return [x[key] / y[key] for x, y in zip(results[a], results[b])]

        print("ratios per round, median [range]:")
        if "nginx proxy" in targets:
            print(f"  pass-through / nginx (goal >= 0.4):          {median_range(ratio('edgesim no hooks', 'nginx proxy'))}")
            print(f"  nginx / origin direct:                       {median_range(ratio('nginx proxy', 'origin direct'))}")
        print(f"  pass-through / origin direct:                {median_range(ratio('edgesim no hooks', 'origin direct'))}")
        print(f"  1 CF Function / no hooks (goal >= 0.9):      {median_range(ratio('edgesim 1 CF Function', 'edgesim no hooks'))}")
        print(f"  1 Lambda@Edge / no hooks:                    {median_range(ratio('edgesim 1 Lambda@Edge', 'edgesim no hooks'))}")
        print(f"  cache hits / bare Starlette (goal >= 0.5):   {median_range(ratio('edgesim cache hits', 'bare Starlette'))}")
        added = [e["p50"] - d["p50"] for e, d in zip(results["edgesim no hooks"], results["origin direct"])]
        print(f"  added p50 at c=1, no hooks vs origin direct (goal < 1 ms): {median_range(added, '{:.3f}')} ms")
        if "nginx proxy" in targets:
            added_ng = [e["p50"] - d["p50"] for e, d in zip(results["nginx proxy"], results["origin direct"])]
            print(f"  added p50 at c=1, nginx vs origin direct:    {median_range(added_ng, '{:.3f}')} ms")
        added_fn = [e["p50"] - d["p50"] for e, d in zip(results["edgesim 1 CF Function"], results["edgesim no hooks"])]
        print(f"  added p50 at c=1 by the CF Function:         {median_range(added_fn, '{:.3f}')} ms")

        for process in running[3:]:  # the measured edges are not needed any more
            stop(process)
        demo_figures(tmp_path)
        print(f"whole bench: {time.perf_counter() - started:.0f} s; 1-min load average now {os.getloadavg()[0]:.2f}")
    finally:
        if nginx is not None:
            nginx.stop()
        for process in running:
            stop(process)


def demo_figures(tmp_path: Path) -> None:
    """Launch to first answer of `edgesim serve` on the demo, and its resident memory after a short load.

    The load is 4 x 300 requests at c=1, then again at c=8: the demo's /api/* Lambda@Edge
    keeps one warm worker process per concurrent invocation, so c=8 brings up to 8 workers.
    """
    launches = []
    for i in range(LAUNCHES):
        edge, url, launch_s = start_edgesim(None, "--quiet")
        try:
            launches.append(launch_s)
            if i < LAUNCHES - 1:
                continue
            for concurrency in (1, 8):
                for path in ("/", "/docs/", "/api/hello", "/data.json"):
                    answers = loadgen(url, path, requests=300, concurrency=concurrency)
                    assert answers.failures == 0 and set(answers.statuses) == {200}, (path, answers.statuses)
                own, kids, n = process_tree_rss(edge.pid)
                print(f"demo RSS after /, /docs/, /api/hello (Lambda@Edge), /data.json x 300 at c={concurrency}:"
                      f" edgesim {own:.0f} MB + {n} Lambda worker(s) {kids:.0f} MB = {own + kids:.0f} MB (goal < 150 MB)")
        finally:
            stop(edge)
    print(f"demo launch to first answer (goal <= 1.5 s): {median_range(launches)} s over {LAUNCHES} launches;"
          f" 1-min load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    pytest.main([__file__, "-s"])
