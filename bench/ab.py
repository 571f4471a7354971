"""A/B: `edgesim serve` from a base commit against the working tree, on one origin, alternating.

    .venv/bin/python -m bench.ab --base HEAD~1 [--rounds 4] [--requests 3000] [--concurrency 16] [--function | --hook-cost]

The base is checked out into a temporary git worktree; both edges proxy the fixed origin
(`python -m bench.processes fixed`) with Managed-CachingDisabled, each in its own process,
and the load generator runs in a child process per round. `--function` puts the end-to-end
bench's viewer-request CloudFront Function on both. `--hook-cost` runs four edges, base and
new each with and without that function, and prints what the function adds to the edge's
CPU per request on each side and the with/without ratios, all from the same rounds. Prints
each edge's req/s and the edge process's CPU time per request (user + system, from /proc:
steadier than req/s on a shared machine, since it does not depend on what else gets the
cores) per round, and the ratios of the medians; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench.processes import ROOT, cpu_seconds, loadgen, stop
from bench.test_end_to_end import CACHING_DISABLED, edge_config


def _edge(root: Path, config: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(root))
    process = subprocess.Popen(
        [sys.executable, "-m", "edgesim", "serve", str(config), "--port", "0", "--quiet", "--control-port", "0"],
        cwd=root, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if " at http://" in line:
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return process, line.rsplit(" at ", 1)[1].strip().rstrip("/")
    raise RuntimeError(f"edgesim serve from {root} exited before listening")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    hooks = parser.add_mutually_exclusive_group()
    hooks.add_argument("--function", action="store_true", help="a viewer-request CloudFront Function on both sides")
    hooks.add_argument("--hook-cost", action="store_true",
                       help="each side with and without the function: the CPU the function adds per request")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="edgesim-ab-") as folder:
        base_tree = Path(folder) / "base"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(base_tree), args.base], cwd=ROOT, check=True)
        origin = subprocess.Popen([sys.executable, "-m", "bench.processes", "fixed"], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        edges: dict[str, tuple[subprocess.Popen, str]] = {}
        try:
            assert origin.stdout is not None
            port = int(origin.stdout.readline().strip().rsplit(":", 1)[1].strip("/"))
            origin_url = f"http://127.0.0.1:{port}"
            if args.hook_cost:
                plain = edge_config(Path(folder), "plain", origin_url, CACHING_DISABLED)
                with_function = edge_config(Path(folder), "function", origin_url, CACHING_DISABLED, function=True)
                edges = {"base": _edge(base_tree, plain), "base+fn": _edge(base_tree, with_function),
                         "new": _edge(ROOT, plain), "new+fn": _edge(ROOT, with_function)}
            else:
                config = edge_config(Path(folder), "edge", origin_url, CACHING_DISABLED, function=args.function)
                edges = {"base": _edge(base_tree, config), "new": _edge(ROOT, config)}
            for _, url in edges.values():  # warm-up: connections, the function's context
                loadgen(url, "/x", requests=300, concurrency=args.concurrency)
            rates: dict[str, list[float]] = {side: [] for side in edges}
            cpu: dict[str, list[float]] = {side: [] for side in edges}
            loads: list[float] = []
            for round_ in range(args.rounds):
                for side in list(edges) if round_ % 2 == 0 else reversed(list(edges)):
                    process, url = edges[side]
                    before = cpu_seconds(process.pid)
                    result = loadgen(url, "/x", requests=args.requests, concurrency=args.concurrency)
                    rates[side].append(len(result.samples) / result.seconds)
                    cpu[side].append((cpu_seconds(process.pid) - before) / len(result.samples) * 1e6)
                    loads.append(os.getloadavg()[0])
            for side in edges:
                print(f"{side:7s} req/s per round: {', '.join(f'{v:.0f}' for v in rates[side])}; "
                      f"edge CPU µs per request: {', '.join(f'{v:.0f}' for v in cpu[side])}")

            def median(values: dict[str, list[float]], side: str) -> float:
                return statistics.median(values[side])

            if args.hook_cost:
                for side in ("base", "new"):
                    added = [f - p for f, p in zip(cpu[f"{side}+fn"], cpu[side])]
                    ratio = [f / p for f, p in zip(rates[f"{side}+fn"], rates[side])]
                    print(f"{side}: the function adds {statistics.median(added):.0f} µs of edge CPU per request "
                          f"[{min(added):.0f}-{max(added):.0f}]; with/without: req/s "
                          f"{statistics.median(ratio):.2f} [{min(ratio):.2f}-{max(ratio):.2f}], CPU per request "
                          f"{median(cpu, side) / median(cpu, side + '+fn'):.2f} (inverse)")
            ratio = median(rates, "new") / median(rates, "base")
            cpu_ratio = median(cpu, "new") / median(cpu, "base")
            print(f"new/base (medians, without the function under --hook-cost): {ratio:.2f} req/s, "
                  f"{cpu_ratio:.2f} CPU per request; 1-min load average "
                  f"{statistics.median(loads):.2f} [{min(loads):.2f}-{max(loads):.2f}] during the rounds")
        finally:
            for process, _ in edges.values():
                stop(process)
            stop(origin)
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
