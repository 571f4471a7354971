"""The 2 MB memory cap and the compute budget stop a function without harming the engine."""

from __future__ import annotations


import pytest

from edgesim.functions.limits import ComputeBudget
from edgesim.functions.runtime import Engine

from .helpers import BOTH, NOW_MS, V2, request_event

LOOP = "function handler(e) { while (true) {} }"
MEMORY_BOMB = "function handler(e) { var a = []; while (true) { a.push('xxxxxxxxxxxxxxxx' + a.length); } }"


@pytest.mark.parametrize("runtime", BOTH)
def test_infinite_loop_is_stopped_at_the_budget(runtime: str) -> None:
    engine = Engine("loop", LOOP, runtime, budget=ComputeBudget(limit_ms=1, stop_factor=5))
    outcome = engine.run(request_event(), now_ms=NOW_MS)
    assert outcome.limit_hit and "compute budget exceeded" in outcome.error
    assert outcome.utilization == 100


def test_budget_is_configurable() -> None:
    slow = "function handler(e) { var x = 0; for (var i = 0; i < 300000; i++) { x += i; } return e.request; }"
    assert Engine("slow", slow, V2, budget=ComputeBudget(limit_ms=0.05, stop_factor=1)).run(
        request_event(), now_ms=NOW_MS).limit_hit
    assert Engine("slow", slow, V2, budget=ComputeBudget(limit_ms=500)).run(request_event(), now_ms=NOW_MS).error is None


def test_endless_promise_chain_is_stopped_at_the_budget() -> None:
    code = "async function handler(e) { while (true) { await null; } }"
    outcome = Engine("chain", code, V2, budget=ComputeBudget(limit_ms=1)).run(request_event(), now_ms=NOW_MS)
    assert "compute budget exceeded" in outcome.error


@pytest.mark.parametrize(("runtime", "name"), [("cloudfront-js-1.0", "MemoryError"), ("cloudfront-js-2.0", "InternalError")])
def test_memory_bomb_hits_the_2_mb_cap(runtime: str, name: str) -> None:
    engine = Engine("bomb", MEMORY_BOMB, runtime, budget=ComputeBudget(limit_ms=200))
    outcome = engine.run(request_event(), now_ms=NOW_MS)
    assert outcome.limit_hit
    assert outcome.error.startswith(f"{name}: memory limit exceeded")


def test_a_function_may_use_most_of_its_2_mb() -> None:
    code = "function handler(e) { var s = 'x'.repeat(1500 * 1024); e.request.uri = '/' + s.length; return e.request; }"
    outcome = Engine("big", code, V2, budget=ComputeBudget(limit_ms=200)).run(request_event(), now_ms=NOW_MS)
    assert outcome.error is None and outcome.value["uri"] == "/1536000"


@pytest.mark.parametrize("misbehaviour", ["while (true) {}", "var a = []; while (true) { a.push('x' + a.length); }"])
def test_same_engine_serves_the_next_request_after_a_run_hits_a_limit(misbehaviour: str) -> None:
    code = f"function handler(e) {{ if (e.request.uri === '/bad') {{ {misbehaviour} }} e.request.uri = '/ok'; return e.request; }}"
    engine = Engine("f", code, V2, budget=ComputeBudget(limit_ms=50))
    assert engine.run(request_event(uri="/bad"), now_ms=NOW_MS).limit_hit
    assert engine.run(request_event(uri="/fine"), now_ms=NOW_MS).value["uri"] == "/ok"


def test_utilization_is_the_share_of_the_budget_clamped_to_100() -> None:
    budget = ComputeBudget(limit_ms=2)
    assert budget.utilization(0.0005) == 25
    assert budget.utilization(0.5) == 100
    assert budget.stop_seconds == pytest.approx(0.040), "the watchdog stops a run at 20x the budget"


def test_a_budget_below_one_times_itself_is_refused() -> None:
    with pytest.raises(ValueError):
        ComputeBudget(limit_ms=1, stop_factor=0.5)


def test_stack_overflow_is_an_execution_error_not_a_crash() -> None:
    outcome = Engine("deep", "function f() { return f(); }\nfunction handler(e) { return f(); }", V2).run(
        request_event(), now_ms=NOW_MS)
    assert "stack overflow" in outcome.error
