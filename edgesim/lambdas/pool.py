"""Warm workers per function version and region, as Lambda keeps execution environments.

An invocation takes the most recently used idle worker, or starts one (a cold start,
timed and reported) while the region's concurrency allows; beyond it the call is
throttled. A worker that crashed, timed out or outgrew its memory is killed and
forgotten, so the next invocation starts a fresh one. An invocation fails for memory when
the worker's peak resident size passed the memory size, whether it then answered, raised,
or was killed for it by the memory watch (`memory.py`).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from edgesim.lambdas.logs import timestamp
from edgesim.lambdas.runtime_api import Invocation, RuntimeApiServer, error_message
from edgesim.lambdas.sandbox import Sandbox
from edgesim.lambdas.worker import OUT_OF_MEMORY, Worker, WorkerFailed, WorkerSpec, WorkerTimedOut

# How a failure reaches the viewer: CloudFront's error class for each kind.
EXECUTION_ERROR = "LambdaExecutionError"
LIMIT_EXCEEDED = "LambdaLimitExceeded"
CLOUDFRONT_ERROR_BY_KIND = {
    "error": EXECUTION_ERROR,
    "crash": EXECUTION_ERROR,
    "init": EXECUTION_ERROR,
    "memory": EXECUTION_ERROR,
    "timeout": LIMIT_EXCEEDED,
    "throttle": LIMIT_EXCEEDED,
}
# An idle worker that died before taking the event did not run it: try another, a few times.
RETRIES_BEFORE_START = 3
OUT_OF_MEMORY_TYPES = frozenset({"MemoryError", OUT_OF_MEMORY})
# Failures a memory verdict replaces: the function ran (or died running) over its memory.
MEMORY_CAN_EXPLAIN = frozenset({"error", "crash"})


def _out_of_memory(failure: FunctionFailure | None, peak_mb: int, memory_mb: int) -> bool:
    if failure is not None and failure.kind not in MEMORY_CAN_EXPLAIN:
        return False  # a timeout or a throttle stays what it was
    return peak_mb > memory_mb or failure is not None and failure.error_type in OUT_OF_MEMORY_TYPES


def billed_ms(duration_ms: float) -> int:
    """Lambda bills each invocation in whole milliseconds, rounded up."""
    return max(1, math.ceil(duration_ms))


class ConcurrencyLimit:
    """Concurrent executions allowed in one region (Lambda's regional quota)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    def try_acquire(self) -> bool:
        if self.in_flight >= self.limit:
            return False
        self.in_flight += 1
        return True

    def release(self) -> None:
        self.in_flight -= 1


@dataclass
class FunctionFailure:
    """Why an invocation produced no result: `kind` is one of CLOUDFRONT_ERROR_BY_KIND."""

    kind: str
    error_type: str
    message: str

    @property
    def cloudfront_error(self) -> str:
        return CLOUDFRONT_ERROR_BY_KIND[self.kind]


@dataclass
class InvokeResult:
    """One invocation as Lambda reports it: the payload or the failure, logs and REPORT figures."""

    request_id: str
    payload: bytes | None
    failure: FunctionFailure | None
    logs: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    max_memory_used_mb: int = 0
    cold_start: bool = False
    init_ms: float | None = None

    @property
    def billed_duration_ms(self) -> int:
        return billed_ms(self.duration_ms)


class Pool:
    """The workers of one function version in one region."""

    def __init__(
        self,
        spec: WorkerSpec,
        server: RuntimeApiServer,
        limit: ConcurrencyLimit,
        sandbox: Sandbox,
        *,
        function_arn: str,
        init_timeout: float = 10.0,
        one_at_a_time: asyncio.Lock | None = None,
        before_cold_start: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.spec = spec
        self.function_arn = function_arn
        self._server = server
        self._limit = limit
        self._sandbox = sandbox
        self._init_timeout = init_timeout
        # Shared by every pool of a function under a debugger: one process takes each event.
        self._one_at_a_time = one_at_a_time
        self._before_cold_start = before_cold_start
        self._idle: list[Worker] = []
        self._workers: set[Worker] = set()
        self.cold_starts = 0

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.pid is not None]

    async def invoke(self, payload: bytes, timeout_s: float) -> InvokeResult:
        """Run one event through a worker; never raises for the function's own failures."""
        if not self._limit.try_acquire():
            message = f"Rate Exceeded: concurrency limit of {self._limit.limit} reached in {self.spec.region}"
            failure = FunctionFailure("throttle", "TooManyRequestsException", message)
            return InvokeResult(request_id="", payload=None, failure=failure)
        try:
            if self._one_at_a_time is None:
                return await self._invoke_with_retries(payload, timeout_s)
            async with self._one_at_a_time:
                return await self._invoke_with_retries(payload, timeout_s)
        finally:
            self._limit.release()

    async def _invoke_with_retries(self, payload: bytes, timeout_s: float) -> InvokeResult:
        for _ in range(RETRIES_BEFORE_START):
            result = await self._invoke_once(payload, timeout_s)
            if result is not None:
                return result
        message = f"{RETRIES_BEFORE_START} workers exited before taking the event"
        return InvokeResult("", None, FunctionFailure("crash", "Runtime.ExitError", message))

    async def _invoke_once(self, payload: bytes, timeout_s: float) -> InvokeResult | None:
        """One attempt; None when the worker died before it took the event (try another)."""
        logs: list[str] = []
        while self._idle and not self._idle[-1].alive:
            await self._drop(self._idle.pop())
        cold = not self._idle
        init_ms = None
        if cold:
            if self._before_cold_start is not None:
                await self._before_cold_start()
            worker = Worker(self.spec, self._server, self._sandbox)
            self._workers.add(worker)
            self.cold_starts += 1
            try:
                init_ms = await worker.start(self._init_timeout)
            except WorkerFailed as exc:
                self._workers.discard(worker)
                logs = worker.take_logs()
                failure = FunctionFailure("init", exc.error_type, exc.message)
                return InvokeResult("", None, failure, logs, cold_start=True)
        else:
            worker = self._idle.pop()
        logs.extend(worker.take_logs())
        invocation = Invocation(payload, self.function_arn, timeout_s)
        rid = invocation.request_id
        logs.append(f"START RequestId: {rid} Version: {self.spec.version}")
        began = time.perf_counter()
        failure: FunctionFailure | None = None
        body: bytes | None = None
        try:
            reply = await worker.invoke(invocation)
        except WorkerTimedOut:
            failure = FunctionFailure("timeout", "Sandbox.Timedout", f"Task timed out after {timeout_s:.2f} seconds")
        except WorkerFailed as exc:
            if exc.before_start:
                await self._drop(worker)
                return None
            failure = FunctionFailure("crash", exc.error_type, exc.message)
        else:
            if reply.ok:
                body = reply.body
            else:
                failure = FunctionFailure("error", reply.error_type or "Runtime.Unknown", error_message(reply.body))
        duration = (time.perf_counter() - began) * 1000
        logs.extend(worker.take_logs())
        peak = worker.peak_rss_mb()
        if _out_of_memory(failure, peak, self.spec.memory_mb):
            body = None
            failure = FunctionFailure("memory", OUT_OF_MEMORY, "Runtime exited with error: signal: killed")
        if failure is not None and failure.kind == "timeout":
            logs.append(f"{timestamp()} {rid} Task timed out after {timeout_s:.2f} seconds")
        logs.append(f"END RequestId: {rid}")
        report = (
            f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {billed_ms(duration)} ms\t"
            f"Memory Size: {self.spec.memory_mb} MB\tMax Memory Used: {peak} MB"
        )
        if init_ms is not None:
            report += f"\tInit Duration: {init_ms:.2f} ms"
        logs.append(report)
        if failure is None or failure.kind == "error":
            if worker.alive:
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
            else:
                await self._drop(worker)
        else:
            await self._drop(worker)
        return InvokeResult(rid, body, failure, logs, duration, peak, cold, init_ms)

    async def _drop(self, worker: Worker) -> None:
        """Forget a worker and release its process, port and pipe."""
        self._workers.discard(worker)
        await worker.kill()

    async def reap(self, idle_for: float) -> int:
        """Kill workers idle longer than `idle_for` seconds (Lambda drops frozen environments too)."""
        cutoff = time.monotonic() - idle_for
        stale = [w for w in self._idle if w.idle_since < cutoff]
        if stale:
            self._idle = [w for w in self._idle if w.idle_since >= cutoff]
            self._workers.difference_update(stale)
            await asyncio.gather(*(w.kill() for w in stale))
        return len(stale)

    async def close(self) -> None:
        """Kill every worker of this pool."""
        workers, self._workers, self._idle = list(self._workers), set(), []
        await asyncio.gather(*(w.kill() for w in workers))

