"""Lambda@Edge behind the pipeline's hook interface.

`LambdaHookProvider` builds one hook per association; every hook shares one Runtime API
server and one set of pools (per function version, region and memory size), as Lambda
keeps replicas per region. A hook builds the event, runs it on a worker, validates the
result and hands the pipeline a request, a response or CloudFront's error.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TextIO

from edgesim.config.model import Association, EdgeConfig, LambdaConfig
from edgesim.edge.hooks import REQUEST_EVENTS, VIEWER_REQUEST, VIEWER_RESPONSE, HookCall, HookError, HookResult
from edgesim.lambdas.debugging import INSPECT_HOST, debug_ports
from edgesim.lambdas.event import SentEvent, build_event
from edgesim.lambdas.logs import LogSink, function_log_group, timestamp, validation_log_group
from edgesim.lambdas.pool import EXECUTION_ERROR, ConcurrencyLimit, InvokeResult, Pool
from edgesim.lambdas.runtime_api import RuntimeApiServer
from edgesim.lambdas.runtimes import RuntimeUnavailable, launch_plan
from edgesim.lambdas.sandbox import Sandbox
from edgesim.lambdas.validation import ValidationFailure, read_result
from edgesim.lambdas.worker import WorkerSpec

VALIDATION_ERROR = "LambdaValidationError"
# Spec 3.1: viewer triggers run with 5 s and 128 MB, origin triggers with 30 s and the
# function's own memory size.
VIEWER_EVENTS = frozenset({VIEWER_REQUEST, VIEWER_RESPONSE})
TIMEOUT_LIMIT_S = {"viewer": 5.0, "origin": 30.0}
VIEWER_MEMORY_MB = 128
REGIONAL_CONCURRENCY = 1000
IDLE_TIMEOUT_S = 600.0  # how long an idle worker stays warm (Lambda's is unpublished: minutes)


def trigger_limits(lam: LambdaConfig, event_type: str) -> tuple[float, int]:
    """(timeout seconds, memory MB) a function runs with at this event."""
    viewer = event_type in VIEWER_EVENTS
    limit = TIMEOUT_LIMIT_S["viewer" if viewer else "origin"]
    timeout = min(lam.timeout, limit) if lam.timeout else limit
    memory = VIEWER_MEMORY_MB if viewer else lam.memory_size
    return timeout, memory


class LambdaRuntime:
    """The Runtime API server, the pools and the log sink every Lambda@Edge hook shares."""

    def __init__(
        self,
        *,
        log_dir: Path | None = None,
        console: TextIO | None = None,
        concurrency: int = REGIONAL_CONCURRENCY,
        init_timeout: float = 10.0,
        idle_timeout: float = IDLE_TIMEOUT_S,
        now: float | None = None,
        sandbox: Sandbox | None = None,
        debug_ports: Mapping[str, int] | None = None,
    ) -> None:
        self.server = RuntimeApiServer()
        self.sandbox = sandbox or Sandbox()
        self.sink = LogSink(log_dir, console)
        self._concurrency = concurrency
        self._init_timeout = init_timeout
        self._idle_timeout = idle_timeout
        self._clock_offset_ms = (now - time.time()) * 1000 if now is not None else 0.0
        self._limits: dict[str, ConcurrencyLimit] = {}
        self._pools: dict[tuple[str, str, str, int], Pool] = {}
        self._reaper: asyncio.Task[None] | None = None
        self._debug_ports = dict(debug_ports or {})
        self._one_at_a_time = {name: asyncio.Lock() for name in self._debug_ports}

    async def start(self) -> None:
        await self.server.start()
        if self._reaper is None:
            self._reaper = asyncio.get_running_loop().create_task(self._reap_idle())

    async def close(self) -> None:
        """Kill every worker and stop the server."""
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.close()
        await self.server.close()

    async def _reap_idle(self) -> None:
        """Idle workers are not kept forever: a long `serve` would pile up old versions' pools."""
        while True:
            await asyncio.sleep(self._idle_timeout / 2)
            for pool in list(self._pools.values()):
                await pool.reap(self._idle_timeout)

    def pools(self) -> list[Pool]:
        return list(self._pools.values())

    def pool(self, lam: LambdaConfig, version: str, region: str, memory_mb: int, arn: str) -> Pool:
        """The pool for this function version in this region (raises RuntimeUnavailable)."""
        key = (lam.name, version, region, memory_mb)
        pool = self._pools.get(key)
        if pool is None:
            plan = launch_plan(lam.runtime, lam.code_path, memory_mb, self.sandbox.can_execute)
            notes = list(plan.notes)
            refusal = self.sandbox.refusal(plan.argv, plan.cwd) if self.sandbox.switch_user else None
            if refusal is not None:
                notes.append(f"sandbox: {refusal}; the worker runs as root, without a per-worker process limit")
            port = self._debug_ports.get(lam.name)
            if port is not None:
                notes.append(f"--inspect: debugger on {INSPECT_HOST}:{port}; version {version} runs from its snapshot "
                             f"{plan.cwd} (breakpoints by file path: map your code's folder to it)")
            self.sink.write(region, function_log_group(lam.name), notes)
            spec = WorkerSpec(
                plan=plan,
                function_name=f"us-east-1.{lam.name}",
                version=version,
                handler=lam.handler,
                memory_mb=memory_mb,
                region=region,
                log_group=function_log_group(lam.name),
                clock_offset_ms=self._clock_offset_ms,
                isolated=self.sandbox.switch_user and refusal is None,
                debug_port=port,
            )
            limit = self._limits.setdefault(region, ConcurrencyLimit(self._concurrency))
            pool = Pool(spec, self.server, limit, self.sandbox, function_arn=arn, init_timeout=self._init_timeout,
                        one_at_a_time=self._one_at_a_time.get(lam.name),
                        before_cold_start=partial(self._free_debug_port, key) if port is not None else None)
            self._pools[key] = pool
        return pool

    async def _free_debug_port(self, starting: tuple[str, str, str, int]) -> None:
        """Stop the idle workers of the function's other pools (another version, trigger or
        region), so the worker about to start takes the function's inspector port."""
        for key, pool in list(self._pools.items()):
            if key[0] == starting[0] and key != starting:
                await pool.reap(idle_for=0)


class LambdaHookError(HookError):
    """A HookError that also carries the function's log lines and duration (a failed
    invocation's logs matter most; the pipeline may read them with `getattr`)."""

    def __init__(self, status: int, error_name: str, function: str, reason: str, *,
                 logs: list[str], duration_ms: float) -> None:
        super().__init__(status, error_name, function, reason)
        self.logs = logs
        self.duration_ms = duration_ms


@dataclass
class LambdaOutcome:
    """Everything one invocation produced: the hook's result or its error, plus Lambda's figures."""

    invoke: InvokeResult | None
    result: HookResult | None = None
    error: HookError | None = None
    error_type: str | None = None
    error_message: str = ""
    warnings: list[str] = field(default_factory=list)


class LambdaEdgeHook:
    """One function version bound to one event type of one behavior."""

    kind = "lambda"

    def __init__(self, runtime: LambdaRuntime, lam: LambdaConfig, association: Association) -> None:
        self.runtime = runtime
        self.lam = lam
        self.association = association
        self.version = association.version or "1"
        self.name = f"{lam.name}:{self.version}"

    async def __call__(self, call: HookCall) -> HookResult:
        outcome = await self.run(call)
        if outcome.error is not None:
            raise outcome.error
        assert outcome.result is not None
        return outcome.result

    async def run(self, call: HookCall) -> LambdaOutcome:
        """Invoke and validate, reporting failures as CloudFront would instead of raising."""
        region = call.context.region
        timeout, memory = trigger_limits(self.lam, call.event_type)
        try:
            pool = self.runtime.pool(self.lam, self.version, region, memory, self.association.arn)
        except RuntimeUnavailable as exc:
            return self._fail(None, 503, EXECUTION_ERROR, "Runtime.Unavailable", str(exc))
        sent = build_event(call, self.association.include_body)
        invoke = await pool.invoke(sent.payload, timeout)
        self.runtime.sink.write(region, function_log_group(self.lam.name), invoke.logs)
        if invoke.failure is not None:
            failure = invoke.failure
            return self._fail(invoke, 503, failure.cloudfront_error, failure.error_type, failure.message)
        assert invoke.payload is not None
        try:
            result = self._validated(sent, invoke.payload)
        except ValidationFailure as exc:
            line = f"{timestamp()} {call.context.request_id} {invoke.request_id} {VALIDATION_ERROR}: {exc}"
            self.runtime.sink.write(region, validation_log_group(call.context.distribution_id), [line])
            return self._fail(invoke, 502, VALIDATION_ERROR, VALIDATION_ERROR, str(exc))
        warnings = [f"{timestamp()} {call.context.request_id} {invoke.request_id} edgesim warning: {w}" for w in sent.warnings]
        if warnings:
            self.runtime.sink.write(region, validation_log_group(call.context.distribution_id), warnings)
        result.logs = list(invoke.logs) + warnings
        result.duration_ms = invoke.duration_ms
        result.version = self.version
        return LambdaOutcome(invoke, result=result, warnings=list(sent.warnings))

    def _validated(self, sent: SentEvent, payload: bytes) -> HookResult:
        try:
            value = json.loads(payload)
        except ValueError:
            raise ValidationFailure("The Lambda function returned invalid JSON: the JSON output is not parsable") from None
        request, response, origin = read_result(sent, value)
        if sent.event_type in REQUEST_EVENTS:
            return HookResult(request=request, response=response, origin=origin)
        return HookResult(response=response)

    def _fail(self, invoke: InvokeResult | None, status: int, name: str, error_type: str, message: str) -> LambdaOutcome:
        reason = message if error_type == name else f"{error_type}: {message}"
        logs = list(invoke.logs) if invoke else []
        error = LambdaHookError(status, name, self.lam.name, reason, logs=logs, duration_ms=invoke.duration_ms if invoke else 0.0)
        return LambdaOutcome(invoke, error=error, error_type=error_type, error_message=message)


class LambdaHookProvider:
    """Builds Lambda@Edge hooks for a loaded config; the app starts and closes it."""

    def __init__(
        self,
        config: EdgeConfig,
        *,
        log_dir: Path | None = None,
        console: TextIO | None = sys.stderr,
        concurrency: int = REGIONAL_CONCURRENCY,
        init_timeout: float = 10.0,
        idle_timeout: float = IDLE_TIMEOUT_S,
        now: float | None = None,
        inspect_port: int | None = None,
    ) -> None:
        self.config = config
        self.runtime = LambdaRuntime(
            log_dir=log_dir,
            console=console,
            concurrency=concurrency,
            init_timeout=init_timeout,
            idle_timeout=idle_timeout,
            now=now if now is not None else config.settings.now,
            debug_ports=debug_ports(config, inspect_port) if inspect_port is not None else None,
        )

    def hook_for(self, association: Association) -> LambdaEdgeHook:
        lam = self.config.lambdas.get(association.name)
        if lam is None:
            raise LookupError(f"no Lambda named {association.name!r} in Lambdas (for {association.arn})")
        return LambdaEdgeHook(self.runtime, lam, association)

    async def start(self) -> None:
        await self.runtime.start()

    async def close(self) -> None:
        await self.runtime.close()
