"""Soak: a bounded loopback load over cache hits, misses, a CloudFront Function, a Python
Lambda@Edge (origin-request), origin errors, publishes and invalidations, recording
statuses, p50/p99, the edge's RSS over time and its worker processes.

    python -m bench.soak --seconds 600      # the non-CI run
    EDGESIM_SOAK_SECONDS=20 pytest tests/faults/test_soak.py   # the CI one (default 20 s)

The edge runs `edgesim serve --watch` with `AutoPublish` off: saving code reloads the
config but changes nothing that serves until the soak publishes it through the control
API (`POST /api/functions/{name}/publish`, what `edgesim publish` sends). The function
and the Lambda stamp their revision on what they forward, so the soak can tell that a
publish reached requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.processes import children, rss_mb, start_origin, stop  # noqa: E402

FUNCTION = """function handler(event) {
  if (event.request.uri === '/fn/deny') return { statusCode: 403, statusDescription: 'Forbidden' };
  event.request.headers['x-soak'] = { value: 'REV' };
  return event.request;
}
"""
LAMBDA = '''def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == "/lam/deny":
        return {"status": "418", "statusDescription": "Teapot", "headers": {}}
    request["headers"]["x-soak-lambda"] = [{"key": "X-Soak-Lambda", "value": "REV"}]
    return request
'''
# (path, expected statuses): a mix of cache hits, misses, function and Lambda work and errors.
MIX = [
    ("/cached/a", {200}), ("/cached/b", {200}), ("/cached/a", {200}),
    ("/miss/{n}", {200}), ("/fn/ok", {200}), ("/fn/deny", {403}),
    ("/lam/ok/{n}", {200}), ("/lam/deny", {418}),
    ("/status/503", {503}), ("/status/404", {404}),
]
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # so the header the function adds reaches the origin


def function_code(revision: int) -> str:
    return FUNCTION.replace("REV", f"rev-{revision}")


def lambda_code(revision: int) -> str:
    return LAMBDA.replace("REV", f"rev-{revision}")


def save(path: Path, text: str) -> None:
    """Write as an editor saves: a whole new file renamed over the old one."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


def write_config(directory: Path, echo_port: int, flaky_port: int) -> Path:
    save(directory / "fn.js", function_code(0))
    (directory / "lam").mkdir(exist_ok=True)
    save(directory / "lam" / "lambda_function.py", lambda_code(0))
    behavior = {"ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED}
    config = {
        "DistributionConfig": {
            "Origins": {"Quantity": 2, "Items": [
                {"Id": "echo", "DomainName": "127.0.0.1", "CustomOriginConfig": {"HTTPPort": echo_port, "OriginProtocolPolicy": "http-only"}},
                {"Id": "flaky", "DomainName": "127.0.0.1", "CustomOriginConfig": {"HTTPPort": flaky_port, "OriginProtocolPolicy": "http-only"}},
            ]},
            "DefaultCacheBehavior": {"TargetOriginId": "echo", **behavior},
            "CacheBehaviors": {"Quantity": 3, "Items": [
                {"PathPattern": "/status/*", "TargetOriginId": "flaky", **behavior, "CachePolicyId": CACHING_DISABLED},
                {"PathPattern": "/fn/*", "TargetOriginId": "echo", **behavior, "CachePolicyId": CACHING_DISABLED,
                 "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
                 "FunctionAssociations": {"Quantity": 1, "Items": [{"FunctionARN": "fn", "EventType": "viewer-request"}]}},
                {"PathPattern": "/lam/*", "TargetOriginId": "echo", **behavior, "CachePolicyId": CACHING_DISABLED,
                 "LambdaFunctionAssociations": {"Quantity": 1, "Items": [
                     {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:111122223333:function:lam:1",
                      "EventType": "origin-request"}]}},
            ]},
        },
        "Functions": {"fn": {"Runtime": "cloudfront-js-2.0", "Code": "fn.js"}},
        "Lambdas": {"lam": {"Runtime": "python3.12", "Code": "lam"}},
        "Edgesim": {"Topology": {"Replication": {"Profile": "instant", "AutoPublish": False}}},
    }
    path = directory / "edgesim.json"
    path.write_text(json.dumps(config))
    return path


def start_edge(config: Path) -> tuple[subprocess.Popen, str, str]:
    """`edgesim serve --watch CONFIG` on free ports: the process, its viewer URL and its control URL."""
    process = subprocess.Popen([sys.executable, "-m", "edgesim", "serve", str(config), "--port", "0", "--watch"],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    url = control = ""
    while not (url and control):
        line = process.stderr.readline()
        if not line:
            raise RuntimeError("edgesim serve exited before listening")
        if "dashboard at http://" in line:
            control = line.rsplit(" at ", 1)[1].strip().rstrip("/")
        elif " at http://" in line:
            url = line.rsplit(" at ", 1)[1].strip().rstrip("/")
    threading.Thread(target=process.stderr.read, daemon=True).start()
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/", timeout=1)
            return process, url, control
        except httpx.TransportError:
            if time.monotonic() > deadline:
                stop(process)
                raise
            time.sleep(0.01)


def stamp(response: httpx.Response, name: str) -> str | None:
    """The revision a function or Lambda stamped on the request the echo origin saw."""
    try:
        seen = response.json()
    except ValueError:
        return None
    return next((v for n, v in seen.get("headers", []) if n.lower() == name), None)


async def run(seconds: float, concurrency: int = 16, *, sample_every: float | None = None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="edgesim-soak-"))
    echo, echo_url = start_origin("echo")
    flaky, flaky_url = start_origin("flaky")
    config = write_config(work, int(echo_url.rsplit(":", 1)[1]), int(flaky_url.rsplit(":", 1)[1]))
    edge, url, control_url = start_edge(config)
    statuses: Counter[str] = Counter()
    unexpected: Counter[str] = Counter()
    seen_revisions: dict[str, Counter[str]] = {"fn": Counter(), "lam": Counter()}
    published: dict[str, list[int]] = {"fn": [], "lam": []}
    invalidations = 0
    latencies: list[float] = []
    rss: list[tuple[float, float]] = []
    workers: list[tuple[float, int]] = []
    sent = 0
    started = time.perf_counter()
    deadline = started + seconds
    every = sample_every or max(1.0, min(5.0, seconds / 20))
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client, \
                httpx.AsyncClient(base_url=control_url, timeout=30) as control:

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
                    kind = path.split("/")[1]
                    if response.status_code not in expected:
                        unexpected[f"{kind}:{response.status_code}"] += 1
                    elif response.status_code == 200 and kind in ("fn", "lam"):
                        revision = stamp(response, "x-soak" if kind == "fn" else "x-soak-lambda")
                        if revision is None:
                            unexpected[f"{kind}:no-stamp"] += 1
                        else:
                            seen_revisions[kind][revision] += 1

            async def publisher() -> None:
                # Every 4 s a new revision saved (a reload under --watch, nothing published),
                # then published through the control API: the function and the Lambda in turn.
                k = 0
                while True:
                    await asyncio.sleep(min(4.0, max(0.0, deadline - time.perf_counter())))
                    if time.perf_counter() >= deadline - 2:  # leave requests to see the last one
                        return
                    k += 1
                    name = "fn" if k % 2 else "lam"
                    if name == "fn":
                        save(work / "fn.js", function_code(k))
                    else:
                        save(work / "lam" / "lambda_function.py", lambda_code(k))
                    await asyncio.sleep(0.3)  # let the watcher's reload happen first, as a person would
                    try:
                        answer = await control.post(f"/api/functions/{name}/publish")
                    except httpx.HTTPError as exc:
                        unexpected[f"publish:{type(exc).__name__}"] += 1
                        continue
                    if answer.status_code != 200 or not answer.json().get("published"):
                        unexpected[f"publish:{answer.status_code}"] += 1
                    else:
                        published[name].append(k)

            async def invalidator() -> None:
                # Every 3 s: the hits fill again, and the unique misses do not pile up in the
                # cache, so RSS after warm-up should stay flat unless something leaks.
                nonlocal invalidations
                while True:
                    await asyncio.sleep(min(3.0, max(0.0, deadline - time.perf_counter())))
                    if time.perf_counter() >= deadline:
                        return
                    try:
                        answer = await control.post("/api/invalidations", json={"Paths": {"Items": ["/cached/*", "/miss/*"]}})
                    except httpx.HTTPError as exc:
                        unexpected[f"invalidation:{type(exc).__name__}"] += 1
                        continue
                    if answer.status_code != 201:
                        unexpected[f"invalidation:{answer.status_code}"] += 1
                    else:
                        invalidations += 1

            async def sampler() -> None:
                while time.perf_counter() < deadline:
                    at = round(time.perf_counter() - started, 1)
                    rss.append((at, round(rss_mb(edge.pid), 1)))
                    workers.append((at, len(children(edge.pid))))
                    await asyncio.sleep(every)

            await asyncio.gather(*(viewer(i) for i in range(concurrency)), publisher(), invalidator(), sampler())
            # What runs after the last publish: every region has the newest revision.
            final = (await control.get("/api/functions")).json().get("replication", {})
    finally:
        stop(edge)
        stop(echo)
        stop(flaky)
    latencies.sort()
    answered = sum(statuses.values())
    warm = [mb for at, mb in rss if at >= min(seconds / 4, 30)] or [mb for _, mb in rss]
    return {
        "seconds": seconds,
        "requests": sent,
        "answered": answered,
        "lost": sent - answered - sum(v for k, v in unexpected.items() if k.startswith("transport:")),
        "statuses": dict(statuses),
        "unexpected": dict(unexpected),
        "p50_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2) if latencies else None,
        "published": published,
        "live": {name: (final.get(name) or {}).get("live") for name in ("fn", "lam")},
        "revisions_seen": {kind: dict(counter) for kind, counter in seen_revisions.items()},
        "invalidations": invalidations,
        "rss_mb": rss,
        "rss_start_mb": rss[1][1] if len(rss) > 1 else None,
        "rss_end_mb": rss[-1][1] if rss else None,
        "rss_warm_min_mb": min(warm) if warm else None,
        "rss_warm_max_mb": max(warm) if warm else None,
        "workers": workers,
        "workers_max": max((count for _, count in workers), default=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.seconds, args.concurrency)), indent=1))


if __name__ == "__main__":
    main()
