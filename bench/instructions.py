"""Instructions per proxied request, counted by callgrind: steady on a shared machine.

    .venv/bin/python -m bench.instructions --base main [--requests 1000]

CPU time per request (`bench.ab`) moves with whatever else runs on the machine; the number
of instructions the edge executes for a request does not. This runs `edgesim serve` from
the base commit and from the working tree, each without hooks and with the end-to-end
bench's viewer-request CloudFront Function, one at a time under valgrind's callgrind
against the fixed origin; counting is switched on (`callgrind_control -i on`) only after a
warm-up, for `--requests` requests at c=16 from a loadgen child process. Prints
instructions per request for each, what the function adds, and how much of that is the
call into QuickJS (the binding's `object_call`, inclusive). Instruction counts do not show
cache misses (docs/functions.md says how much those add in the proxy); nothing here
asserts a number. Needs valgrind (Debian's `valgrind` package). Takes about a minute per edge.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.processes import ROOT, loadgen, stop
from bench.test_end_to_end import CACHING_DISABLED, edge_config

_TOTAL = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)
_QUICKJS = re.compile(r"^\s*([\d,]+) .*module\.c:object_call ", re.MULTILINE)


def _counted(tree: Path, config: Path, out: Path, requests: int) -> tuple[int, int]:
    """(all instructions, instructions inside the QuickJS call) of one edge over `requests` requests."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         sys.executable, "-m", "edgesim", "serve", str(config), "--port", "0", "--quiet", "--control-port", "0"],
        cwd=tree, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert process.stderr is not None
        url = ""
        for line in process.stderr:
            if " at http://" in line:
                url = line.rsplit(" at ", 1)[1].strip().rstrip("/")
                break
        if not url:
            raise RuntimeError(f"edgesim serve from {tree} exited under valgrind before listening")
        loadgen(url, "/x", requests=300, concurrency=16)
        subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], check=True, capture_output=True)
        result = loadgen(url, "/x", requests=requests, concurrency=16)
        if result.failures or set(result.statuses) != {200}:
            raise RuntimeError(f"{tree}: {result.failures} failures, statuses {set(result.statuses)}")
        subprocess.run(["callgrind_control", "-d", str(process.pid)], check=True, capture_output=True)
    finally:
        stop(process)
    dump = next(out.parent.glob(out.name + ".*"))
    total = int(_TOTAL.search(dump.read_text()).group(1))
    annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(dump)], capture_output=True, text=True).stdout
    quickjs = _QUICKJS.search(annotated)
    return total, int(quickjs.group(1).replace(",", "")) if quickjs else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare the working tree with")
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("bench.instructions needs valgrind (apt-get install valgrind)")

    with tempfile.TemporaryDirectory(prefix="edgesim-instructions-") as folder:
        base_tree = Path(folder) / "base"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(base_tree), args.base], cwd=ROOT, check=True)
        origin = subprocess.Popen([sys.executable, "-m", "bench.processes", "fixed"], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert origin.stdout is not None
            origin_url = origin.stdout.readline().strip().removeprefix("listening on ")
            configs = {"no hooks": edge_config(Path(folder), "plain", origin_url, CACHING_DISABLED),
                       "function": edge_config(Path(folder), "function", origin_url, CACHING_DISABLED, function=True)}
            counts: dict[tuple[str, str], tuple[int, int]] = {}
            for side, tree in (("base", base_tree), ("new", ROOT)):
                for kind, config in configs.items():
                    out = Path(folder) / f"callgrind.{side}.{kind.replace(' ', '-')}"
                    counts[side, kind] = _counted(tree, config, out, args.requests)
                    total, quickjs = counts[side, kind]
                    print(f"{side:4s} {kind:8s}: {total / args.requests / 1000:7.1f} k instructions per request"
                          + (f", {quickjs / args.requests / 1000:.1f} k inside QuickJS" if quickjs else ""), flush=True)
            for side in ("base", "new"):
                added = (counts[side, "function"][0] - counts[side, "no hooks"][0]) / args.requests / 1000
                quickjs = counts[side, "function"][1] / args.requests / 1000
                print(f"{side}: the function adds {added:.1f} k instructions per request "
                      f"({quickjs:.1f} k in QuickJS, {added - quickjs:.1f} k in Python)")
            print(f"{args.requests} requests per edge at c=16; 1-min load average {os.getloadavg()[0]:.2f} "
                  "(instruction counts do not depend on it)")
        finally:
            stop(origin)
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
