"""`serve --workers 1` and `--workers 2` against nginx proxy_pass, in one run, one command:

    .venv/bin/python -m bench.workers [--rounds 3] [--requests 10000] [--concurrency 16]

Three workloads on the fixed origin (`python -m bench.processes fixed`): pass-through
(Managed-CachingDisabled), cache hits (Managed-CachingOptimized, one object) and one
viewer-request CloudFront Function (CachingDisabled). Beside `--workers 1` and `2`, two
separate single-process edges, each given half the load at once, show what two processes
get on this machine with nothing shared: the ceiling for `--workers 2`. Each edge runs in its own process
tree; rounds alternate the order of the targets. The load generator is `bench.lightload` (about 14 µs of CPU per
request, where `edgesim.bench.loadgen` spends about 290), in a child process per
measurement. Prints, per target, req/s and the CPU time per request of the edge
(user + system from /proc, every process of the tree: the supervisor and each worker),
and of the load generator and the origin (all share the machine's cores: with 2 cores and
a Python load generator, what two workers can gain is bounded by what is left of the
second core), then the ratios of the medians. Nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import httpx

from bench.processes import ROOT, Nginx, children, cpu_seconds, start_baseline, start_edgesim, stop
from bench.test_end_to_end import CACHING_DISABLED, CACHING_OPTIMIZED, PATH, edge_config

WORKLOADS = {"pass-through": (CACHING_DISABLED, False), "cache hits": (CACHING_OPTIMIZED, False),
             "1 CF Function": (CACHING_DISABLED, True)}
WORKER_COUNTS = (1, 2)


def light_load(url: str, *, requests: int, concurrency: int) -> dict:
    """One `bench.lightload` run in a child process: req/s, statuses, failures."""
    done = subprocess.run([sys.executable, "-m", "bench.lightload", url, PATH, str(requests), str(concurrency)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def load_at_once(urls: list[str], *, requests: int, concurrency: int) -> list[dict]:
    """Split one load over `urls` (two separate edges: half each), all at the same time."""
    results: list[dict] = []
    threads = [threading.Thread(target=lambda u=url: results.append(
        light_load(u, requests=requests // len(urls), concurrency=concurrency // len(urls)))) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == len(urls), "a load generator failed"
    return results


def children_cpu() -> float:
    """CPU seconds of this process's finished children (each load generator run)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of a process and each of its descendants."""
    return {p: cpu_seconds(p) for p in [pid, *children(pid)]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)

    running: list[subprocess.Popen] = []
    nginx = None
    with tempfile.TemporaryDirectory(prefix="edgesim-workers-bench-") as folder:
        try:
            origin, origin_url = start_baseline("fixed")
            running.append(origin)
            nginx = Nginx(origin_url)
            targets: dict[str, list[tuple[int | None, str]]] = {"nginx proxy": [(None, nginx.start())]}
            for workload, (policy, function) in WORKLOADS.items():
                config = edge_config(Path(folder), workload.replace(" ", "-"), origin_url, policy, function=function)
                for label, counts in [(f"{workload}, --workers {n}", [n]) for n in WORKER_COUNTS] + [
                        (f"{workload}, 2 separate edges", [1, 1])]:
                    targets[label] = []
                    for count in counts:
                        edge, url, _ = start_edgesim(config, "--quiet", "--control-port", "0", "--workers", str(count))
                        running.append(edge)
                        targets[label].append((edge.pid, url))
                        expected = "Hit" if policy == CACHING_OPTIMIZED else "Miss"
                        httpx.get(url + PATH)
                        assert httpx.get(url + PATH).headers["x-cache"] == f"{expected} from cloudfront", label
            rates: dict[str, list[float]] = {name: [] for name in targets}
            cpu: dict[str, list[float]] = {name: [] for name in targets}
            split: dict[str, list[list[float]]] = {name: [] for name in targets}
            others: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}  # load generator, origin
            loads: list[float] = []
            for round_ in range(args.rounds):
                order = list(targets) if round_ % 2 == 0 else list(reversed(targets))
                for name in order:
                    edges = targets[name]
                    before = [tree_cpu(pid) for pid, _ in edges if pid]
                    loadgen_before, origin_before = children_cpu(), cpu_seconds(origin.pid)
                    results = load_at_once([url for _, url in edges], requests=args.requests,
                                           concurrency=args.concurrency)
                    count = sum(r["requests"] for r in results)
                    others[name].append(((children_cpu() - loadgen_before) / count * 1e6,
                                         (cpu_seconds(origin.pid) - origin_before) / count * 1e6))
                    for result in results:
                        assert result["failures"] == 0 and set(result["statuses"]) == {"200"}, (name, result)
                    rates[name].append(sum(r["rps"] for r in results))
                    if before:
                        used = [after[p] - old.get(p, 0.0)
                                for old, (pid, _) in zip(before, edges) for after in [tree_cpu(pid)] for p in after]
                        cpu[name].append(sum(used) / count * 1e6)
                        split[name].append([u / count * 1e6 for u in used])
                loads.append(os.getloadavg()[0])
            print(f"\n{args.rounds} rounds of {args.requests} requests at c={args.concurrency}; "
                  f"1-min load average {', '.join(f'{v:.2f}' for v in loads)} (after each round)")
            for name in targets:
                line = f"{name:34s} {statistics.median(rates[name]):7.0f} req/s"
                if cpu[name]:
                    parts = " + ".join(f"{statistics.median(p):.0f}" for p in zip(*split[name]))
                    line += f"   edge CPU {statistics.median(cpu[name]):4.0f} µs/request ({parts})"
                generator, served = (statistics.median(v) for v in zip(*others[name]))
                print(f"{line}\n{'':34s} (load generator {generator:.0f} µs/request, origin {served:.0f})")
            print("edge CPU per process: --workers 2 is supervisor + worker 0 + worker 1; separate edges one each")
            nginx_rps = statistics.median(rates["nginx proxy"])
            print("ratios (medians):")
            for workload in WORKLOADS:
                one, two, apart = (statistics.median(rates[f"{workload}, {kind}"])
                                   for kind in ("--workers 1", "--workers 2", "2 separate edges"))
                print(f"  {workload:14s} --workers 2 / 1: {two / one:.2f}   2 separate / 1: {apart / one:.2f}   "
                      f"1 / nginx: {one / nginx_rps:.2f}   2 / nginx: {two / nginx_rps:.2f}")
        finally:
            for process in running:
                stop(process)
            if nginx is not None:
                nginx.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
