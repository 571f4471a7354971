"""One warm QuickJS context per function, with CloudFront's limits around each run.

A context is built once (about 150 µs plus the modules) and reused for every request.
Per-request isolation comes from the loader's factory (the function's top level runs
again for each request) and from deleting any global a run added. A run that hits the
memory cap or the compute budget leaves the context in an unknown state, so the
context is dropped and rebuilt before the next run.
"""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import quote

import quickjs

from edgesim.functions import surface
from edgesim.functions.kvs import KeyValueStore
from edgesim.functions.limits import (
    CUSTOM_LOG_LIMIT,
    KVS_KEY_LIMIT,
    LOG_LIMIT,
    MEMORY_LIMIT,
    RUNTIMES,
    ComputeBudget,
)
from edgesim.functions.loader import factory_script
from edgesim.functions.static_check import StaticCheckError, check, parse


class LoadError(Exception):
    """The function cannot be loaded (bad runtime, refused code); CloudFront would not deploy it."""


@dataclass
class Run:
    """What one invocation produced, before any translation back to HTTP.

    `error` is set when the function threw, ran out of memory or past its budget, in
    CloudFront's `<ErrorType>: <message>` form; `value` is the returned object
    otherwise (`returned` tells undefined apart from null).
    """

    value: Any = None
    returned: bool = False
    error: str | None = None
    limit_hit: bool = False
    invalid: str | None = None
    logs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    origin_calls: list[dict[str, Any]] = field(default_factory=list)
    custom_log: str | None = None  # cf.logCustomData's last call, URL-encoded and cut as CloudFront logs it
    seconds: float = 0.0
    utilization: int = 0
    needs_isolation: bool = False  # the run hit a regex tripwire: discard it, rerun in a process


# Compact and without the cycle check: the event is plain data built by event.py.
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def _decode(text: str, start: int) -> Any:
    """The JSON value at `text[start:]`, which JSON.stringify wrote (no surrounding blanks):
    the C scanner straight, without `json.loads`' copy of the text and its two blank-skipping
    regular expressions."""
    try:
        value, end = _scan(text, start)
    except StopIteration as exc:
        raise json.JSONDecodeError("Expecting value", text, exc.value) from None
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


_scan = json.JSONDecoder().scan_once


@functools.cache
def _module_source(name: str) -> str:
    return resources.files("edgesim.functions").joinpath("modules", f"{name}.js").read_text("utf-8")


class Engine:
    """A loaded CloudFront Function, ready to run events."""

    def __init__(
        self,
        name: str,
        source: str,
        runtime: str,
        *,
        store: KeyValueStore | None = None,
        budget: ComputeBudget | None = None,
        seed: int | None = None,
        tripwires: bool = False,
    ) -> None:
        """`tripwires` replaces the ways to build a regular expression with tripwires
        (modules/tripwire.js), for code that runs in-process although it should not."""
        if runtime not in RUNTIMES:
            raise LoadError(f"unknown runtime {runtime!r} (expected one of {', '.join(RUNTIMES)})")
        if store is not None and runtime != surface.V2:
            raise LoadError("a KeyValueStore needs runtime cloudfront-js-2.0")
        tree = parse(source)
        findings = check(source, runtime, tree)
        if findings:
            raise LoadError(str(StaticCheckError(findings)))
        self.name = name
        self.source = source
        self.runtime = runtime
        self.store = store
        self.budget = budget or ComputeBudget()
        self.seed = seed
        self._tripwires = tripwires
        self._script = factory_script(source, tree)
        self._context: quickjs.Context | None = None
        self._build()

    def _build(self) -> None:
        context = quickjs.Context()
        env = {
            "runtime": self.runtime,
            "removed": list(surface.REMOVED[self.runtime]),
            "seed": self.seed,
            "hasKvs": self.store is not None,
            "limits": {"log": LOG_LIMIT, "kvsKey": KVS_KEY_LIMIT},
            "now": 0,
        }
        context.eval(f"globalThis.__edgesim_env = {json.dumps(env)};")
        for module in surface.MODULES[self.runtime]:
            context.eval(_module_source(module))
        try:
            context.eval(self._script)
        except quickjs.JSException as exc:
            raise LoadError(_first_line(exc)) from exc
        if self._tripwires:
            context.eval(_module_source("tripwire"))
        context.eval(_module_source("invoke"))
        self._logs_so_far = context.eval(_LOGS_SO_FAR)
        watched = json.loads(context.eval("__edgesim_env.watchedFunctions()"))
        context.eval(f"__edgesim_env.seal({_intact_check(watched)});")
        context.set_memory_limit(context.memory()["memory_used_size"] + MEMORY_LIMIT)
        context.set_time_limit(self.budget.stop_seconds)
        self._invoke = context.get("__edgesim_invoke")
        self._finish = context.get("__edgesim_finish")
        self._kvs_requests = context.get("__edgesim_kvs_requests")
        self._kvs_answer = context.get("__edgesim_kvs_answer")
        self._context = context

    def run(
        self,
        event: dict[str, Any] | str,
        *,
        now_ms: float,
        raw_query: str | None = None,
        edge_location: dict[str, str] | str | None = None,
        event_type: str | None = None,
    ) -> Run:
        """Run the handler on `event` with the clock frozen at `now_ms`.

        `event` may also be the event already written as JSON text (the hook writes it
        straight from the request), with its `event_type`; `edge_location` may be JSON
        text too.
        """
        context = self._context
        if context is None:
            self._build()
            context = self._context
            assert context is not None
        if type(event) is str:
            event_json = event
        else:
            event_json = _encode(event)
            event_type = event.get("context", {}).get("eventType", "")
        if type(edge_location) is str:
            edge_json = edge_location
        else:
            edge_json = json.dumps(edge_location) if edge_location else "{}"
        if raw_query is not None and not raw_query.isascii():
            # The edge holds the viewer's bytes as ISO-8859-1 text; the function sees UTF-8
            # as text and other bytes as ISO-8859-1 (spec §2.4), as the event does.
            try:
                data = raw_query.encode("latin-1")
            except UnicodeEncodeError:
                data = raw_query.encode("utf-8", "surrogateescape")
            try:
                raw_query = data.decode("utf-8")
            except UnicodeDecodeError:
                raw_query = data.decode("latin-1")
        # CPU time of this thread, not wall time: a busy laptop or CI box preempting the
        # proxy must not count against the function (QuickJS's own interrupt uses CPU time too).
        start = time.thread_time()
        try:
            outcome = self._invoke(
                event_json,
                float(now_ms),  # an int this large would be cut to 32 bits on the way in
                raw_query,
                event_type or "",
                edge_json,
            )
            if outcome is None:
                self._settle(context, start + self.budget.stop_seconds)
                outcome = self._finish()
            if outcome[:1] in _PLAIN:
                return self._plain_run(outcome, start)
            out = json.loads(outcome)
            if not isinstance(out, dict) or not _OUTCOME_KEYS <= out.keys():
                raise _GlueBroken(f"the run's outcome is not what the runtime returns: {outcome[:200]!r}")
        except _GlueBroken as exc:
            self._context = None
            return Run(error=f"InternalError: {exc}", seconds=time.thread_time() - start)
        except (quickjs.JSException, _BudgetExceeded) as exc:
            seconds = time.thread_time() - start
            self._context = None  # a run stopped mid-way leaves the context unusable
            return Run(error=self._limit_error(exc, seconds), limit_hit=True, logs=self._logs_of_stopped_run(),
                       seconds=seconds, utilization=self.budget.utilization(seconds))
        seconds = time.thread_time() - start
        run = Run(
            value=out["value"],
            returned=out["returned"],
            error=out["error"],
            invalid=out["invalid"],
            logs=out["logs"],
            warnings=out["warnings"],
            origin_calls=out["originCalls"],
            custom_log=None if out["customLog"] is None else quote(out["customLog"], safe="")[:CUSTOM_LOG_LIMIT],
            seconds=seconds,
            utilization=self.budget.utilization(seconds),
        )
        if out["isolate"]:
            self._context = None
            return Run(needs_isolation=True, seconds=seconds)
        if out["tampered"]:
            self._context = None  # the run changed a built-in: the next request gets fresh ones
        if out["logsTruncated"]:
            run.warnings.append(f"console.log output was truncated at {LOG_LIMIT} bytes")
        if not out["settled"] and run.error is None:
            run.error = "Error: the handler's promise never settled (there are no timers or I/O to settle it)"
        if out["nullThrown"] or (run.error and "out of memory" in run.error):
            run.error = _memory_error(self.runtime)
            run.limit_hit = True
            self._context = None
        return run

    def _plain_run(self, outcome: str, start: float) -> Run:
        """A run that returned a value and did nothing else to report (invoke.js, finish)."""
        seconds = time.thread_time() - start
        if outcome[0] == "T":
            self._context = None  # the run changed a built-in: the next request gets fresh ones
        return Run(value=_decode(outcome, 1), returned=True, seconds=seconds, utilization=self.budget.utilization(seconds))

    def _logs_of_stopped_run(self) -> list[str]:
        """What a run stopped mid-way had printed: CloudFront keeps a failed run's lines
        beside its error (TestFunction's FunctionExecutionLogs, the function's log)."""
        try:
            return json.loads(self._logs_so_far())
        except quickjs.JSException:  # out of memory even for this
            return []

    def _limit_error(self, exc: BaseException, seconds: float) -> str:
        text = _first_line(exc)
        if isinstance(exc, _BudgetExceeded) or "interrupted" in text:
            return (f"InternalError: compute budget exceeded: stopped after {seconds * 1000:.1f} ms "
                    f"(budget {self.budget.limit_ms:g} ms, stop at {self.budget.stop_factor:g}x)")
        if "out of memory" in text or text in ("", "null"):
            return _memory_error(self.runtime)
        return text

    def _settle(self, context: quickjs.Context, deadline: float) -> None:
        """Drive an async handler: run queued jobs, answer KeyValueStore reads, repeat."""
        while True:
            while context.execute_pending_job():
                if time.thread_time() > deadline:
                    raise _BudgetExceeded
            requests = json.loads(self._kvs_requests())
            if not requests:
                return
            self._kvs_answer(json.dumps([self._kvs_answer_for(r["op"], r["key"]) for r in requests]))

    def _kvs_answer_for(self, op: str, key: str) -> Any:
        if self.store is None:
            return None
        if op == "meta":
            return self.store.meta()
        value = self.store.get(key)
        return None if value is None else {"value": value}


_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def _intact_check(watched: list[list[str]]) -> str:
    """JavaScript for invoke.js's tamper check: no enumerable property on a watched object,
    and each of its functions still the original.

    `watched` is what `watchedFunctions()` reported; the result is a factory that
    invoke.js calls with the watched objects and its `bare` test. Each name is written into
    the code, so QuickJS resolves it once at compile time instead of on every run.
    """
    targets = [f"t{index} = watched[{index}]" for index in range(len(watched))]
    captured: list[str] = []
    tests: list[str] = []
    for index, names in enumerate(watched):
        tests.append(f"bare(t{index})")
        for name in names:
            member = f"t{index}.{name}" if _IDENTIFIER.match(name) else f"t{index}[{json.dumps(name)}]"
            tests.append(f"{member} === f{len(captured)}")
            captured.append(f"f{len(captured)} = {member}")
    return (f"(function (watched, bare) {{ var {', '.join(targets + captured)}; "
            f"return function () {{ return {' && '.join(tests)}; }}; }})")


# The lines the current run has printed so far, for a run stopped before it could report
# them; built before user code runs, with the glue's own JSON.stringify, and not reachable
# from it (the interrupt leaves the context callable: the time limit counts per call).
_LOGS_SO_FAR = ("(function (env, stringify) { return function () { "
                "return env.state === null ? '[]' : stringify(env.state.logs); }; })(__edgesim_env, JSON.stringify)")

_PLAIN = ("P", "T")
_OUTCOME_KEYS = frozenset({"tampered", "isolate", "settled", "error", "nullThrown", "returned", "value", "invalid", "logs",
                           "logsTruncated", "warnings", "originCalls", "customLog"})


class _GlueBroken(Exception):
    """The outcome of a run did not come back in the runtime's own shape."""


class _BudgetExceeded(Exception):
    """The job queue of an async handler kept running past the budget."""


def _memory_error(runtime: str) -> str:
    name = "MemoryError" if runtime == surface.V1 else "InternalError"
    return f"{name}: memory limit exceeded (functions may use {MEMORY_LIMIT // (1024 * 1024)} MB)"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""
