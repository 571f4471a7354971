"""A/B: `edgesim serve` from a base commit against the working tree, on one origin, alternating.

    .venv/bin/python -m bench.ab --base HEAD~1 [--rounds 4] [--requests 3000] [--concurrency 16] [--function]

The base is checked out into a temporary git worktree; both edges proxy the fixed origin
(`python -m bench.processes fixed`) with Managed-CachingDisabled, each in its own process,
and the load generator runs in a child process per round. `--function` puts the end-to-end
bench's viewer-request CloudFront Function on both. Prints each side's req/s and the edge
process's CPU time per request (user + system, from /proc: steadier than req/s on a shared
machine, since it does not depend on what else gets the cores) per round, and the ratios
of the medians; nothing here asserts a speed.
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
    parser.add_argument("--function", action="store_true", help="a viewer-request CloudFront Function on both sides")
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
            config = edge_config(Path(folder), "edge", f"http://127.0.0.1:{port}", CACHING_DISABLED,
                                 function=args.function)
            edges = {"base": _edge(base_tree, config), "new": _edge(ROOT, config)}
            rates: dict[str, list[float]] = {"base": [], "new": []}
            cpu: dict[str, list[float]] = {"base": [], "new": []}
            for round_ in range(args.rounds):
                for side in ("base", "new") if round_ % 2 == 0 else ("new", "base"):
                    process, url = edges[side]
                    before = cpu_seconds(process.pid)
                    result = loadgen(url, "/x", requests=args.requests, concurrency=args.concurrency)
                    rates[side].append(len(result.samples) / result.seconds)
                    cpu[side].append((cpu_seconds(process.pid) - before) / len(result.samples) * 1e6)
            for side in ("base", "new"):
                print(f"{side:4s} req/s per round: {', '.join(f'{v:.0f}' for v in rates[side])}; "
                      f"edge CPU µs per request: {', '.join(f'{v:.0f}' for v in cpu[side])}")
            ratio = statistics.median(rates["new"]) / statistics.median(rates["base"])
            cpu_ratio = statistics.median(cpu["new"]) / statistics.median(cpu["base"])
            print(f"new/base (medians): {ratio:.2f} req/s, {cpu_ratio:.2f} CPU per request; "
                  f"1-min load average {os.getloadavg()[0]:.2f}")
        finally:
            for process, _ in edges.values():
                stop(process)
            stop(origin)
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
