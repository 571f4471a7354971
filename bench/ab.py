"""A/B: `edgesim serve` from a base commit against the working tree, on one origin, alternating.

    .venv/bin/python -m bench.ab --base HEAD~1 [--rounds 4] [--requests 3000] [--concurrency 16]

The base is checked out into a temporary git worktree; both edges proxy the fixed origin
(`python -m bench.processes fixed`) with Managed-CachingDisabled, each in its own process,
and the load generator runs in a child process per round. Prints each side's req/s per round
and the ratio of medians; nothing here asserts a speed.
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

import yaml

from bench.processes import ROOT, loadgen, stop

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


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
            config = Path(folder) / "edge.yaml"
            config.write_text(yaml.safe_dump({"DistributionConfig": {
                "Origins": {"Items": [{"Id": "o", "DomainName": "127.0.0.1",
                                       "CustomOriginConfig": {"HTTPPort": port, "OriginProtocolPolicy": "http-only"}}]},
                "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                         "CachePolicyId": CACHING_DISABLED}}}))
            edges = {"base": _edge(base_tree, config), "new": _edge(ROOT, config)}
            rates: dict[str, list[float]] = {"base": [], "new": []}
            for round_ in range(args.rounds):
                for side in ("base", "new") if round_ % 2 == 0 else ("new", "base"):
                    result = loadgen(edges[side][1], "/x", requests=args.requests, concurrency=args.concurrency)
                    rates[side].append(len(result.samples) / result.seconds)
            for side, values in rates.items():
                print(f"{side:4s} req/s per round: {', '.join(f'{v:.0f}' for v in values)}")
            ratio = statistics.median(rates["new"]) / statistics.median(rates["base"])
            print(f"new/base (medians): {ratio:.2f}; 1-min load average {os.getloadavg()[0]:.2f}")
        finally:
            for process, _ in edges.values():
                stop(process)
            stop(origin)
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
