"""`edgesim serve --workers N`: hold the ports, start N workers on them, keep the state.

The supervisor process holds the viewer ports (bound with SO_REUSEPORT) and the control
port, builds the one `Edge` whose versions, rollouts and caches (`HubTiers`) are the truth,
runs the control API and dashboard on it, and starts the workers, each a
`python -m edgesim.workers.worker` binding its own socket on every viewer port with
SO_REUSEPORT (the kernel hands each new connection to one of them).
A worker that dies is started again and joins with a copy of the caches.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import uvicorn

from edgesim.config.load import load_config
from edgesim.config.model import EdgeConfig
from edgesim.control.app import build_control_app
from edgesim.control.watch import ConfigWatcher
from edgesim.edge.assembly import Edge, EdgeOptions
from edgesim.edge.server import uvicorn_config
from edgesim.observe.access_log import AccessLog
from edgesim.workers.hub import Hub, HubTiers, PackedRecorder
from edgesim.workers.wire import Message


POLL_S = 0.1
RESTART_PAUSE_S = 0.5
RESTART_PAUSE_MAX_S = 30.0
STABLE_S = 10.0  # a worker that lived this long had started well: its next restart is quick again
STOP_GRACE_S = 10.0


class SharedEdge(Edge):
    """The supervisor's edge: a publish here reaches every worker before it is answered."""

    hub: Hub | None = None

    def publish(self, name: str) -> dict[str, Any]:
        published = super().publish(name)
        if self.hub is not None:
            self.hub.send_all(("state", self.shared_state()))
        return published


def after_workers_applied(app: Any, hub: Hub) -> Any:
    """The control app, answering a POST (invalidation, publish) only once every worker applied it."""

    async def control(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await app(scope, receive, send)

        async def send_when_applied(message: dict) -> None:
            if message["type"] == "http.response.start":
                await hub.barrier()
            await send(message)

        await app(scope, receive, send_when_applied)

    return control


class ControlServer(uvicorn.Server):
    """The supervisor's control server, the one a Ctrl-C or SIGTERM stops: the moment it
    begins to stop, `on_stop` runs (workers are no longer started again, the dashboard's
    event streams end), so the shutdown neither revives workers nor waits on open streams."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_stop = on_stop

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.on_stop()
        await super().shutdown(sockets)


def restart_pause(previous: float, lived_s: float) -> float:
    """How long to wait before starting a worker again: RESTART_PAUSE_S after its first exit
    or one that had served a while, twice the last pause (up to RESTART_PAUSE_MAX_S) after
    one that died soon after its start, so a worker that cannot run does not keep a core
    busy starting over."""
    if lived_s >= STABLE_S or not previous:
        return RESTART_PAUSE_S
    return min(previous * 2, RESTART_PAUSE_MAX_S)


@dataclass
class _Slot:
    process: subprocess.Popen
    started: float
    pause: float = 0.0  # the last wait before it started again
    due: float | None = None  # when it starts again, once its exit is seen


class Supervisor:
    """Starts, watches and stops the worker processes (`command` + the worker's index)."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.slots: dict[int, _Slot] = {}
        self.stopping = False

    @property
    def processes(self) -> list[subprocess.Popen]:
        return [slot.process for slot in self.slots.values()]

    def start(self, index: int) -> None:
        process = subprocess.Popen([*self.command, str(index)])
        previous = self.slots.get(index)
        self.slots[index] = _Slot(process, time.monotonic(), previous.pause if previous else 0.0)

    async def watch(self) -> None:
        while not self.stopping:
            await asyncio.sleep(POLL_S)
            now = time.monotonic()
            for index, slot in list(self.slots.items()):
                if self.stopping or slot.process.poll() is None:
                    continue
                if slot.due is None:
                    slot.pause = restart_pause(slot.pause, now - slot.started)
                    slot.due = now + slot.pause
                    print(f"edgesim: worker {index} exited ({slot.process.returncode}); "
                          f"starting it again in {slot.pause:g} s", file=sys.stderr, flush=True)
                elif now >= slot.due:
                    self.start(index)

    def exited(self) -> list[str]:
        """`worker N (code)` for each worker that is not running."""
        return [f"worker {i} ({s.process.returncode})" for i, s in self.slots.items() if s.process.poll() is not None]

    async def stop(self) -> None:
        """SIGTERM (each worker finishes what it serves, as `serve` does); SIGKILL after a grace."""
        self.stopping = True
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = asyncio.get_running_loop().time() + STOP_GRACE_S
        for process in self.processes:
            while process.poll() is None:
                if asyncio.get_running_loop().time() > deadline:
                    process.kill()
                await asyncio.sleep(0.05)


async def serve_workers(config: EdgeConfig, args: argparse.Namespace, *, overrides: dict[str, str],
                        now: float | None, sock: socket.socket, pinned: dict[socket.socket, str],
                        control_sock: socket.socket, announce: Any) -> None:
    """Run `args.workers` workers on `sock` and `pinned` until the control server is told to stop."""
    listener_pops = {s.getsockname()[1]: pop for s, pop in pinned.items()}
    options = EdgeOptions(pop=args.pop, now=now, seed=args.seed, caching=not args.no_cache,
                          server_timing=not args.no_server_timing, listener_pops=listener_pops,
                          log_dir=args.log_dir, cache_tiers=HubTiers)
    edge = SharedEdge(config, options)
    recorder = PackedRecorder()
    if args.access_log:
        AccessLog.to(args.access_log)  # the header lines, once; the workers append the records
    settings = {
        "listeners": [s.getsockname()[:2] for s in [sock, *pinned]],
        "options": {"pop": args.pop, "now": now, "seed": args.seed, "caching": not args.no_cache,
                    "server_timing": not args.no_server_timing, "listener_pops": listener_pops,
                    "log_dir": args.log_dir},
        "quiet": args.quiet, "verbose": args.verbose, "function_log": args.function_log,
        "access_log": args.access_log, "log_cookies": args.log_cookies, "kept": recorder.capacity,
    }

    def welcome() -> Message:
        return ("welcome", settings, edge.shared_state(), edge.config)

    assert isinstance(edge.tiers, HubTiers)
    hub = Hub(edge.tiers, recorder, welcome)
    edge.hub = hub
    edge.on_reload.append(lambda new_config: hub.send_all(("reload", edge.shared_state(), new_config)))
    folder = tempfile.mkdtemp(prefix="edgesim-hub-")
    hub_path = os.path.join(folder, "hub.sock")
    await hub.start(hub_path)
    supervisor = Supervisor([sys.executable, "-m", "edgesim.workers.worker", hub_path])

    def stopping() -> None:
        supervisor.stopping = True
        recorder.close()

    control = ControlServer(uvicorn_config(after_workers_applied(build_control_app(edge, recorder), hub),
                                           host="127.0.0.1", port=control_sock.getsockname()[1]), stopping)
    tasks: list[asyncio.Task[Any]] = []
    stop_watching = asyncio.Event()
    try:
        for index in range(args.workers):
            supervisor.start(index)
        ready = asyncio.ensure_future(hub.all_ready(args.workers))
        while not ready.done():
            await asyncio.wait([ready], timeout=POLL_S)
            if not ready.done() and (gone := supervisor.exited()):
                ready.cancel()
                print(f"edgesim: {', '.join(gone)} exited before serving", file=sys.stderr, flush=True)
                raise SystemExit(1)
        announce()
        tasks.append(asyncio.create_task(supervisor.watch()))
        if args.watch:
            assert config.source is not None
            watcher = ConfigWatcher(edge, partial(load_config, config.source, origin_overrides=overrides), listeners=[
                lambda outcome: print(outcome.describe(), file=sys.stderr, flush=True),
                lambda outcome: recorder.publish("reload", asdict(outcome)),
            ])
            tasks.append(asyncio.create_task(watcher.run(stop_watching)))
        await control.serve(sockets=[control_sock])
    finally:
        stop_watching.set()
        recorder.close()
        await supervisor.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await hub.close()
        await edge.close()
        shutil.rmtree(folder, ignore_errors=True)
        Path(hub_path).unlink(missing_ok=True)
