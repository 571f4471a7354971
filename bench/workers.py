"""`serve --workers 1` and `--workers 2` against nginx proxy_pass, in one run, one command:

    .venv/bin/python -m bench.workers [--rounds 3] [--requests 3000] [--concurrency 16]

Three workloads on the fixed origin (`python -m bench.processes fixed`): pass-through
(Managed-CachingDisabled), cache hits (Managed-CachingOptimized, one object) and one
viewer-request CloudFront Function (CachingDisabled). Each edge runs in its own process
tree; the load generator runs in a child process per measurement; rounds alternate the
order of the targets. Prints, per target, req/s and the CPU time per request of the edge
(user + system from /proc, every process of the tree: the supervisor and each worker),
then the ratios of the medians. Nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.processes import Nginx, children, cpu_seconds, loadgen, start_baseline, start_edgesim, stop
from bench.test_end_to_end import CACHING_DISABLED, CACHING_OPTIMIZED, PATH, edge_config

WORKLOADS = {"pass-through": (CACHING_DISABLED, False), "cache hits": (CACHING_OPTIMIZED, False),
             "1 CF Function": (CACHING_DISABLED, True)}
WORKER_COUNTS = (1, 2)


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of a process and each of its descendants."""
    return {p: cpu_seconds(p) for p in [pid, *children(pid)]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)

    running: list[subprocess.Popen] = []
    nginx = None
    with tempfile.TemporaryDirectory(prefix="edgesim-workers-bench-") as folder:
        try:
            origin, origin_url = start_baseline("fixed")
            running.append(origin)
            nginx = Nginx(origin_url)
            targets: dict[str, tuple[int | None, str]] = {"nginx proxy": (None, nginx.start())}
            for workload, (policy, function) in WORKLOADS.items():
                name = workload.replace(" ", "-")
                config = edge_config(Path(folder), name, origin_url, policy, function=function)
                for count in WORKER_COUNTS:
                    edge, url, _ = start_edgesim(config, "--quiet", "--control-port", "0", "--workers", str(count))
                    running.append(edge)
                    targets[f"{workload}, --workers {count}"] = (edge.pid, url)
            rates: dict[str, list[float]] = {name: [] for name in targets}
            cpu: dict[str, list[float]] = {name: [] for name in targets}
            split: dict[str, list[list[float]]] = {name: [] for name in targets}
            loads: list[float] = []
            for round_ in range(args.rounds):
                order = list(targets) if round_ % 2 == 0 else list(reversed(targets))
                for name in order:
                    pid, url = targets[name]
                    before = tree_cpu(pid) if pid else {}
                    result = loadgen(url, PATH, requests=args.requests, concurrency=args.concurrency)
                    assert result.failures == 0 and set(result.statuses) == {200}, (name, result.statuses)
                    rates[name].append(result.rps)
                    if pid:
                        after = tree_cpu(pid)
                        used = [after[p] - before.get(p, 0.0) for p in after]
                        cpu[name].append(sum(used) / result.requests * 1e6)
                        split[name].append([u / result.requests * 1e6 for u in used])
                loads.append(os.getloadavg()[0])
            print(f"\n{args.rounds} rounds of {args.requests} requests at c={args.concurrency}; "
                  f"1-min load average {', '.join(f'{v:.2f}' for v in loads)} (after each round)")
            for name in targets:
                line = f"{name:30s} {statistics.median(rates[name]):7.0f} req/s"
                if cpu[name]:
                    parts = " + ".join(f"{statistics.median(p):.0f}" for p in zip(*split[name]))
                    line += f"   edge CPU {statistics.median(cpu[name]):5.0f} µs/request ({parts}: supervisor, workers)"
                print(line)
            nginx_rps = statistics.median(rates["nginx proxy"])
            print("ratios (medians):")
            for workload in WORKLOADS:
                one = statistics.median(rates[f"{workload}, --workers 1"])
                two = statistics.median(rates[f"{workload}, --workers 2"])
                print(f"  {workload:14s} --workers 2 / 1: {two / one:.2f}   "
                      f"1 / nginx: {one / nginx_rps:.2f}   2 / nginx: {two / nginx_rps:.2f}")
        finally:
            for process in running:
                stop(process)
            if nginx is not None:
                nginx.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
