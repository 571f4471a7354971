"""Run a CloudFront Function in a child process the edge can kill (`worker.py` is the child).

The QuickJS binding releases the GIL while JavaScript runs, but its regular-expression
engine never polls the interrupt behind the compute budget: `/^(a+)+$/` on 40 `a`s and a
`b` runs for hours in C, and nothing inside the process can stop it. Functions that can
build a regular expression therefore run here: one warm engine per function in its own
process, awaited without blocking the event loop. The kernel ends the child when a run
burns more CPU than twice the budget's stop point (QuickJS's own interrupt, at the stop
point, handles everything else and keeps the context); the run becomes CloudFront's
execution error and a fresh child starts for the next request.

A child ends with its owner: `close()`, the engine being garbage-collected (the pipe
closes and the child's read returns end of input), or the edge process dying (Linux
delivers SIGKILL to the orphan).
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import subprocess
import sys
import weakref
from typing import Any

from edgesim.functions.kvs import KeyValueStore
from edgesim.functions.limits import ComputeBudget
from edgesim.functions.runtime import Engine, Run
from edgesim.functions.worker import Setup, frame

# The kernel's stop, as a multiple of the budget's: QuickJS's interrupt must win for plain code.
KILL_FACTOR = 2.0
# A child that answers neither within its CPU budget nor within this many seconds of wall
# time (stopped, starved, wedged in a syscall) is killed too.
WALL_LIMIT = 5.0


class IsolatedEngine:
    """A loaded CloudFront Function whose runs happen in a killable child process."""

    def __init__(
        self,
        name: str,
        source: str,
        runtime: str,
        *,
        store: KeyValueStore | None = None,
        budget: ComputeBudget | None = None,
        seed: int | None = None,
    ) -> None:
        budget = budget or ComputeBudget()
        # Load once here for the same LoadError the in-process path gives; the code's top
        # level only runs per request, so loading runs no user code.
        Engine(name, source, runtime, store=store, budget=budget, seed=seed)
        self.name = name
        self.runtime = runtime
        self.budget = budget
        self._setup = pickle.dumps(Setup(name, source, runtime, store, budget, seed,
                                         kill_seconds=budget.stop_seconds * KILL_FACTOR))
        self._child: _Child | None = None
        self._lock: asyncio.Lock | None = None
        self._spawn()

    @property
    def pid(self) -> int | None:
        """The current child's process id (None between a kill and the next run)."""
        return self._child.process.pid if self._child else None

    def _spawn(self) -> None:
        self._child = _Child(self._setup, self.budget.stop_seconds * KILL_FACTOR)

    async def ready(self) -> None:
        """Wait until the child has built its engine, so the first request does not pay for it."""
        if self._child is None:
            self._spawn()
        assert self._child is not None
        try:
            await self._child.ready()
        except _ChildGone:
            self._child = None  # the next run starts another and reports what happens to it

    async def run(
        self,
        event: str,
        *,
        now_ms: float,
        raw_query: str | None,
        edge_location: str,
        event_type: str,
    ) -> Run:
        """`Engine.run` of an event written as JSON text, in the child; one run at a time."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._child is None:
                self._spawn()
            child = self._child
            assert child is not None
            request = json.dumps([event, now_ms, raw_query, event_type, edge_location]).encode()
            try:
                await child.ready()
                answer = await child.ask(request)
            except _ChildGone as gone:
                self._child = None
                self._spawn()  # boots while the viewer gets its error
                return self._stopped(gone)
        return Run(**answer)

    def _stopped(self, gone: _ChildGone) -> Run:
        if not gone.over_budget:
            return Run(error=f"InternalError: the function's worker process stopped ({gone})", seconds=gone.seconds)
        error = (f"InternalError: compute budget exceeded: the function ran past its budget in a regular "
                 f"expression or another built-in that cannot be interrupted; its process was stopped after "
                 f"{gone.seconds * 1000:.1f} ms (budget {self.budget.limit_ms:g} ms, stop at "
                 f"{self.budget.stop_factor:g}x, process killed at {self.budget.stop_factor * KILL_FACTOR:g}x)")
        return Run(error=error, limit_hit=True, seconds=gone.seconds, utilization=self.budget.utilization(gone.seconds))

    def close(self) -> None:
        """End the child now and wait for it, so no process outlives the provider."""
        if self._child is not None:
            self._child.kill()
            self._child = None


class _ChildGone(Exception):
    """The child died or was killed; `over_budget` when the CPU timer or the wall limit did it."""

    def __init__(self, why: str, seconds: float, *, over_budget: bool) -> None:
        super().__init__(why)
        self.seconds = seconds
        self.over_budget = over_budget


class _Child:
    """One worker process and its two pipes."""

    def __init__(self, setup: bytes, kill_seconds: float) -> None:
        self.kill_seconds = kill_seconds
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edgesim.functions.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin = self.process.stdin
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._out, False)
        self._buffer = bytearray()
        self._booted = False
        self._finalizer = weakref.finalize(self, _reap, self.process)
        self._stdin.write(frame(setup))
        self._stdin.flush()

    async def ready(self) -> None:
        if not self._booted:
            answer = await self._read(wall_limit=None)
            if "loadError" in answer:  # the parent loaded the same code: only a broken install gets here
                self.kill()
                raise _ChildGone(f"cannot load: {answer['loadError']}", 0.0, over_budget=False)
            self._booted = True

    async def ask(self, request: bytes) -> dict[str, Any]:
        try:
            self._stdin.write(frame(request))
            self._stdin.flush()
        except BrokenPipeError:
            raise self._gone() from None
        return await self._read(wall_limit=WALL_LIMIT)

    async def _read(self, wall_limit: float | None) -> dict[str, Any]:
        """The next frame from the child; the pipe is read as the event loop reports it readable."""
        body = self._take_frame()
        if body is not None:
            return json.loads(body)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bytes | None] = loop.create_future()

        def on_readable() -> None:
            try:
                chunk = os.read(self._out, 1 << 20)
            except BlockingIOError:
                return
            self._buffer += chunk
            done = self._take_frame() if chunk else None
            if not answer.done() and (done is not None or not chunk):
                answer.set_result(done)  # None: end of input, the child is gone

        loop.add_reader(self._out, on_readable)
        timer = None if wall_limit is None else loop.call_later(
            wall_limit, lambda: answer.done() or answer.set_exception(TimeoutError()))
        try:
            body = await answer
        except TimeoutError:
            self.kill()
            raise _ChildGone(f"no answer within {wall_limit:g} s of wall time", 0.0, over_budget=True) from None
        finally:
            loop.remove_reader(self._out)
            if timer is not None:
                timer.cancel()
        if body is None:
            raise self._gone()
        return json.loads(body)

    def _take_frame(self) -> bytes | None:
        if len(self._buffer) < 4:
            return None
        size = int.from_bytes(self._buffer[:4], "big")
        if len(self._buffer) < 4 + size:
            return None
        body = bytes(self._buffer[4:4 + size])
        del self._buffer[:4 + size]
        return body

    def _gone(self) -> _ChildGone:
        """Why the child stopped answering, once it is reaped."""
        code = self.process.wait()
        self.kill()  # closes the pipes
        if code == -signal.SIGPROF:
            return _ChildGone("CPU time limit", self.kill_seconds, over_budget=True)
        return _ChildGone(f"exit status {code}", 0.0, over_budget=False)

    def kill(self) -> None:
        self._finalizer()


def _reap(process: subprocess.Popen[bytes]) -> None:
    """Kill and wait for a worker; also what the garbage collector does with a lost one."""
    if process.poll() is None:
        process.kill()
        process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()

