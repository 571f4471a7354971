"""CloudFront Functions as pipeline hooks: FunctionAssociations at viewer-request/-response.

One warm `Engine` per function, shared by every association that names it. Nothing a
function does can take the server down: code that does not load, a throw, a memory bomb,
an endless loop or a malformed answer each become CloudFront's answer (`HookError` with
503 FunctionExecutionError or 502 FunctionValidationError) and a log line on the
`edgesim.functions` logger naming the function and the cause.

Code that can build a regular expression runs in a child process (`isolation.py`),
since QuickJS cannot stop a regex at the budget; the rest runs in-process, with
tripwires that move a function to a process if it reaches a regex some hidden way.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from edgesim.config.model import Association, EdgeConfig, FunctionConfig
from edgesim.edge.hooks import VIEWER_REQUEST, VIEWER_RESPONSE, HookCall, HookError, HookResult
from edgesim.edge.model import EdgeResponse
from edgesim.functions.event import FunctionValidationError, build_event_json, read_result
from edgesim.functions.hazards import can_build_regex
from edgesim.functions.isolation import IsolatedEngine
from edgesim.functions.kvs import KeyValueStore, KeyValueStoreError
from edgesim.functions.limits import ComputeBudget
from edgesim.functions.origins import apply_origin_calls
from edgesim.functions.runtime import Engine, LoadError
from edgesim.functions.static_check import parse

log = logging.getLogger("edgesim.functions")

EXECUTION_ERROR = "FunctionExecutionError"
VALIDATION_ERROR = "FunctionValidationError"
EVENT_TYPES = (VIEWER_REQUEST, VIEWER_RESPONSE)


class FunctionHookProvider:
    """Builds the hook for each function association of a loaded config.

    `now` (epoch seconds) pins every run's clock; without it each run sees the time it
    started, as on CloudFront. `seed` makes Math.random reproducible.
    """

    def __init__(
        self,
        config: EdgeConfig,
        *,
        now: float | None = None,
        seed: int | None = None,
        compute_budget: ComputeBudget | None = None,
    ) -> None:
        self.config = config
        self.now = now if now is not None else config.settings.now
        self.seed = seed if seed is not None else config.settings.seed
        self.budget = compute_budget or ComputeBudget()
        self._engines: dict[str, Engine | IsolatedEngine | str] = {}

    async def start(self) -> None:
        """Wait for the isolated functions' processes, so no first request pays their start."""
        for engine in self._engines.values():
            if isinstance(engine, IsolatedEngine):
                await engine.ready()

    async def close(self) -> None:
        """End every child process this provider started."""
        for engine in self._engines.values():
            if isinstance(engine, IsolatedEngine):
                engine.close()

    def hook_for(self, association: Association) -> FunctionHook:
        if association.kind != "function":
            raise ValueError(f"FunctionHookProvider cannot run {association.kind} associations")
        if association.event_type not in EVENT_TYPES:
            raise ValueError(f"CloudFront Functions run at viewer events only, not {association.event_type}")
        function = self.config.functions.get(association.name)
        if function is None:
            raise LookupError(f"no function named {association.name!r} in Functions")
        return FunctionHook(self, function)

    def engine(self, function: FunctionConfig) -> Engine | IsolatedEngine | str:
        """The warm engine for `function`, or why it cannot load (logged once)."""
        if function.name not in self._engines:
            try:
                self._engines[function.name] = self._load(function)
            except (OSError, UnicodeDecodeError, LoadError, KeyValueStoreError) as exc:
                reason = f"cannot load: {exc}"
                log.info("function %s %s", function.name, reason)  # serve's start-up check says it first
                self._engines[function.name] = reason
        return self._engines[function.name]

    def isolate(self, function: FunctionConfig) -> IsolatedEngine:
        """Move `function` to a child process for good (its in-process run hit a tripwire)."""
        engine = self._engines[function.name]
        if isinstance(engine, str):
            raise LookupError(f"function {function.name} is not loaded: {engine}")
        if isinstance(engine, Engine):
            log.info("function %s runs work that cannot be interrupted (a regular expression or a long search): "
                     "it now runs in its own process", function.name)
            engine = self._engines[function.name] = IsolatedEngine(
                engine.name, engine.source, engine.runtime, store=engine.store, budget=engine.budget, seed=engine.seed)
        return engine

    def _load(self, function: FunctionConfig) -> Engine | IsolatedEngine:
        store = None
        if function.key_value_store:
            path = self.config.key_value_stores.get(function.key_value_store)
            if path is None:
                raise LoadError(f"KeyValueStore {function.key_value_store!r} is not in KeyValueStores")
            store = KeyValueStore.load(Path(path), function.key_value_store)
        source = Path(function.code_path).read_text("utf-8")
        if can_build_regex(parse(source)):
            return IsolatedEngine(function.name, source, function.runtime, store=store, budget=self.budget, seed=self.seed)
        return Engine(function.name, source, function.runtime, store=store, budget=self.budget, seed=self.seed,
                      tripwires=True)


_EDGE_LOCATIONS: dict[tuple[str, str], str] = {}


def _edge_location(pop: str, region: str) -> str:
    """`cf.edgeLocation` for a POP, as JSON text (a handful of POPs: written once each)."""
    text = _EDGE_LOCATIONS.get((pop, region))
    if text is None:
        if len(_EDGE_LOCATIONS) >= 1024:
            _EDGE_LOCATIONS.clear()
        text = _EDGE_LOCATIONS[(pop, region)] = json.dumps({"name": pop[:3], "serverIp": "127.0.0.1", "region": region})
    return text


class FunctionHook:
    """One CloudFront Function bound to a viewer event."""

    kind = "function"

    def __init__(self, provider: FunctionHookProvider, function: FunctionConfig) -> None:
        self.name = function.name
        self._provider = provider
        self._function = function
        provider.engine(function)  # load now, so a broken function is reported at start-up

    async def __call__(self, call: HookCall) -> HookResult:
        response = call.response
        event_type = call.event_type
        if event_type == VIEWER_RESPONSE and response is not None and response.status >= 400:
            return HookResult(response=response)  # CloudFront does not run it for errors
        engine = self._provider.engine(self._function)
        if isinstance(engine, str):
            raise HookError(503, EXECUTION_ERROR, self.name, engine)
        request, context = call.request, call.context
        event, sent = build_event_json(event_type, context, request, response)
        now = self._provider.now
        now_ms = (now if now is not None else time.time()) * 1000.0
        raw_query = request.querystring or None
        edge_location = _edge_location(context.pop, context.region)
        if isinstance(engine, IsolatedEngine):
            run = await engine.run(event, event_type=event_type, now_ms=now_ms, raw_query=raw_query,
                                   edge_location=edge_location)
        else:
            run = engine.run(event, event_type=event_type, now_ms=now_ms, raw_query=raw_query,
                             edge_location=edge_location)
        if run.needs_isolation:
            run = await self._provider.isolate(self._function).run(
                event, event_type=event_type, now_ms=now_ms, raw_query=raw_query, edge_location=edge_location)
        for line in run.logs:
            log.debug("function %s: %s", self.name, line)
        for warning in run.warnings:
            log.warning("function %s: %s", self.name, warning)
        if run.error is not None:
            log.info("function %s failed (%s): %s", self.name, EXECUTION_ERROR, run.error)
            raise HookError(503, EXECUTION_ERROR, self.name, run.error, logs=run.logs)
        try:
            if run.invalid is not None:
                raise FunctionValidationError(run.invalid)
            result = read_result(sent, run.value if run.returned else None)
            if run.origin_calls:
                origin, notes = apply_origin_calls(run.origin_calls, call.origin,
                                                   self._provider.config.distribution.origins)
        except FunctionValidationError as exc:
            log.info("function %s failed (%s): %s", self.name, VALIDATION_ERROR, exc)
            raise HookError(502, VALIDATION_ERROR, self.name, str(exc), logs=run.logs) from exc
        outcome = HookResult(logs=list(run.logs), duration_ms=run.seconds * 1000.0)
        if run.origin_calls:
            outcome.origin = origin
            sent.warnings.extend(notes)
        for note in sent.warnings:
            log.warning("function %s: %s", self.name, note)
        if isinstance(result, EdgeResponse):
            outcome.response = result
        else:
            outcome.request = result
        return outcome
