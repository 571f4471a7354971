"""`edgesim bench`: a bounded loopback load through one or more edges, side by side.

A CONFIG path runs that distribution in this process (bundled origins included) and reads
each exchange's stages and hook runs; an http://127.0.0.1:PORT URL measures an edgesim
that is already running, from its response headers. The load generator always runs in a
child process, so it does not share an interpreter with the edge it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import TextIO

from edgesim.bench import report, table
from edgesim.bench.loadgen import LoadResult, Planned, Sample, check_loopback, read_paths
from edgesim.bench.metrics import ExchangeObserver, Summary, observed_from_headers
from edgesim.config.load import ConfigError

BAR_WIDTH = 30
MAX_REQUESTS_WITH_DURATION = 10_000_000


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `bench` on the edgesim command line."""
    parser = subparsers.add_parser(
        "bench",
        help="drive a bounded loopback load through edgesim and report latency, stages, cache and edge code",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", metavar="CONFIG", help="a config file (run in process) or http://127.0.0.1:PORT")
    parser.add_argument("--requests", type=int, help="requests per config (default 1000; with --duration, no limit)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    parser.add_argument("--duration", type=float, metavar="S", help="stop each config's run after S seconds")
    parser.add_argument("--warmup", type=int, default=100, help="requests sent before measuring (default 100)")
    parser.add_argument("--paths", type=Path, metavar="FILE",
                        help="the workload: one PATH per line, optional tab-separated 'Name: value' headers")
    parser.add_argument("--compare", nargs="+", default=[], metavar="CONFIG2", help="more configs, same workload")
    parser.add_argument("--report", type=Path, metavar="OUT.html", help="write an HTML report with latency plots")
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="write the figures as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the bench; exit 2 for usage or config errors."""
    try:
        workload = read_paths(args.paths) if args.paths else [Planned("/")]
        targets = [args.config, *args.compare]
        for target in targets:
            if _is_url(target):
                check_loopback(target)
        if args.concurrency < 1 or (args.requests is not None and args.requests < 1):
            raise ValueError("--requests and --concurrency must be at least 1")
    except (OSError, ValueError) as exc:
        print(f"edgesim bench: {exc}", file=sys.stderr)
        return 2
    requests = args.requests or (MAX_REQUESTS_WITH_DURATION if args.duration else 1000)
    load_before = os.getloadavg()[0]
    started = time.time()
    try:
        summaries = asyncio.run(_bench(targets, workload, requests, args))
    except ConfigError as exc:
        print(f"edgesim bench: {exc}", file=sys.stderr)
        return 2
    machine = machine_info(load_before, os.getloadavg()[0])
    print("\n\n".join(table.describe(s) for s in summaries))
    if len(summaries) > 1:
        print()
        print(table.compare(summaries))
    if args.report:
        settings = run_settings(args, targets, workload, started)
        args.report.write_text(report.render(summaries, settings=settings, machine=machine), encoding="utf-8")
        print(f"\nreport: {args.report}")
    if args.json:
        args.json.write_text(json.dumps([s.as_dict() for s in summaries], indent=2), encoding="utf-8")
    return 0


def run_settings(args: argparse.Namespace, targets: list[str], workload: list[Planned], started: float) -> dict[str, str]:
    """What was asked of the run, as the report's "Run" table shows it."""
    distinct = len({(p.path, p.headers) for p in workload})
    paths = f"{args.paths} ({len(workload)} requests, {distinct} distinct, sent in turn)" if args.paths else "/ only"
    limit = f"{args.requests} per config" if args.requests else "no limit" if args.duration else "1000 per config"
    return {
        "configs": ", ".join(f"{label} = {target}" for label, target in zip(_labels(targets), targets)),
        "requests": limit + (f", at most {args.duration:g} s each" if args.duration else ""),
        "concurrency": str(args.concurrency),
        "warm-up": f"{args.warmup} requests per config, not measured",
        "paths": paths,
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started)),
    }


def machine_info(load_before: float, load_after: float) -> dict[str, str]:
    """What the figures were measured on; the load average says how shared the machine was."""
    return {
        "CPUs": str(os.cpu_count()),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "edgesim": metadata.version("edgesim"),
        "platform": platform.platform(),
        "load average (1 min)": f"{load_before:.2f} before the run, {load_after:.2f} after",
    }


async def _bench(targets: list[str], workload: list[Planned], requests: int, args: argparse.Namespace) -> list[Summary]:
    labels = _labels(targets)
    summaries = []
    for target, label in zip(targets, labels):
        if _is_url(target):
            summaries.append(await _measure_remote(target, label, workload, requests, args))
        else:
            summaries.append(await _measure_in_process(Path(target), label, workload, requests, args))
    return summaries


async def _measure_in_process(config: Path, label: str, workload: list[Planned], requests: int,
                              args: argparse.Namespace) -> Summary:
    from edgesim.testing.local import LocalEdge  # it starts bundled origins through edgesim.cli, which imports us

    observer = ExchangeObserver()
    async with LocalEdge(config, socket=True, observers=[observer]) as edge:
        observer.lambdas = frozenset(edge.config.lambdas)
        if args.warmup:
            await load_in_child(edge.url, workload, args.warmup, args.concurrency, None, None)
        observer.reset()
        result = await load_in_child(edge.url, workload, requests, args.concurrency, args.duration,
                                     ProgressBar(label, requests, args.duration))
    return Summary(label, "in process", args.concurrency, result.seconds, result.latencies_ms, result.statuses,
                   result.failures, observer.observed)


async def _measure_remote(url: str, label: str, workload: list[Planned], requests: int,
                          args: argparse.Namespace) -> Summary:
    if args.warmup:
        await load_in_child(url, workload, args.warmup, args.concurrency, None, None)
    result = await load_in_child(url, workload, requests, args.concurrency, args.duration,
                                 ProgressBar(label, requests, args.duration))
    return Summary(label, f"running at {url}", args.concurrency, result.seconds, result.latencies_ms, result.statuses,
                   result.failures, observed_from_headers(result))


async def load_in_child(url: str, workload: list[Planned], requests: int, concurrency: int,
                        duration: float | None, progress: ProgressBar | None) -> LoadResult:
    """Run `edgesim.bench.loadgen` in a child process and read its progress and result."""
    job = {"url": url, "requests": requests, "concurrency": concurrency, "duration": duration,
           "workload": [{"path": p.path, "headers": list(p.headers)} for p in workload]}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "edgesim.bench.loadgen",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 30,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(job).encode())
    child.stdin.close()
    outcome = None
    async for line in child.stdout:
        kind, _, payload = line.decode().partition(" ")
        if kind == "progress" and progress is not None:
            progress.update(int(payload))
        elif kind == "result":
            outcome = json.loads(payload)
    await child.wait()
    if progress is not None:
        progress.finish()
    if outcome is None:
        raise RuntimeError(f"the load generator exited with status {child.returncode} and no result")
    return LoadResult(outcome["seconds"], [Sample(**s) for s in outcome["samples"]], outcome["failures"])


class ProgressBar:
    """`label [#####-----] 512/1000` on stderr, redrawn in place; by time when the run is bounded by time.

    When stderr is not a terminal (CI logs), only the finished bar is written.
    """

    def __init__(self, label: str, total: int, duration: float | None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.duration = duration
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        if self.live:
            self._draw()

    def _draw(self) -> None:
        done = self.done
        if self.duration:
            fraction = min(1.0, (time.monotonic() - self.started) / self.duration)
            count = f"{done} requests"
        else:
            fraction = min(1.0, done / self.total)
            count = f"{done}/{self.total}"
        filled = round(fraction * BAR_WIDTH)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {count}")
        self.stream.flush()

    def finish(self) -> None:
        self._draw()
        self.stream.write("\n")
        self.stream.flush()


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def _labels(targets: list[str]) -> list[str]:
    """Short names for the columns: file stems when they are unique, else the targets as given."""
    stems = [target if _is_url(target) else Path(target).stem for target in targets]
    return stems if len(set(stems)) == len(stems) else list(targets)
