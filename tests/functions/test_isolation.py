"""Functions that can build a regular expression run in a child process the edge can kill;
the rest stay in-process behind tripwires. Same answers either way, and no child outlives its owner."""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from edgesim.config.model import Association, CacheBehavior, Distribution, EdgeConfig, FunctionConfig, Origin
from edgesim.edge.hooks import HookCall, HookError
from edgesim.functions.hazards import can_build_regex
from edgesim.functions.isolation import IsolatedEngine
from edgesim.functions.limits import ComputeBudget
from edgesim.functions.provider import FunctionHook, FunctionHookProvider
from edgesim.functions.runtime import Engine
from edgesim.functions.static_check import parse

from .helpers import CONTEXT, V2, edge_request

APP = Origin(id="app", domain_name="app.internal")
MEDIA = Origin(id="media", domain_name="media.internal")

MakeHook = Callable[..., FunctionHook]


@pytest.fixture
async def make_hook(tmp_path: Path) -> AsyncIterator[MakeHook]:
    """Hooks on providers that are closed (their children ended) when the test is over."""
    providers: list[FunctionHookProvider] = []

    def make(code: str, *, kvs: dict | None = None, budget: ComputeBudget | None = None, name: str = "fn") -> FunctionHook:
        (tmp_path / f"{name}.js").write_text(code)
        stores = {}
        if kvs is not None:
            (tmp_path / "kvs.json").write_text(json.dumps(kvs))
            stores = {"store": tmp_path / "kvs.json"}
        config = EdgeConfig(
            distribution=Distribution(id="E1", domain_name="d1.cloudfront.net", origins={"app": APP, "media": MEDIA},
                                      default_behavior=CacheBehavior(path_pattern="*", target_origin_id="app")),
            functions={name: FunctionConfig(name=name, runtime=V2, code_path=tmp_path / f"{name}.js",
                                            key_value_store="store" if kvs is not None else None)},
            key_value_stores=stores)
        provider = FunctionHookProvider(config, seed=1, compute_budget=budget)
        providers.append(provider)
        return provider.hook_for(Association(kind="function", event_type="viewer-request", name=name,
                                             arn=f"arn:aws:cloudfront::123456789012:function/{name}"))

    yield make
    for provider in providers:
        await provider.close()


def call(uri: str = "/") -> HookCall:
    return HookCall(event_type="viewer-request", context=CONTEXT, request=edge_request(uri=uri), origin=APP)


def engine_of(hook: FunctionHook) -> Engine | IsolatedEngine | str:
    return hook._provider.engine(hook._function)


def alive(pid: int) -> bool:
    """True while `pid` is a running process (a zombie counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("code", [
    "var r = /a+/;", "var r = new RegExp(p);", "s.match(p);", "s.search(p);", "s['match'](p);", "var o = {RegExp: 1};",
])
def test_code_that_can_build_a_regex_is_recognised(code: str) -> None:
    assert can_build_regex(parse(code))


@pytest.mark.parametrize("code", [
    "var s = uri.split('/'); s.indexOf('a'); x.replace('a', 'b'); var matched = 1;", "var o = {searches: 2};",
])
def test_code_that_cannot_build_a_regex_is_recognised(code: str) -> None:
    assert not can_build_regex(parse(code))


async def test_regex_code_runs_isolated_and_plain_code_in_process(make_hook: MakeHook) -> None:
    isolated = make_hook("function handler(e) { e.request.uri = /^\\/a/.test(e.request.uri) ? '/yes' : '/no';"
                         " return e.request; }", name="rx")
    plain = make_hook("function handler(e) { e.request.uri = '/plain'; return e.request; }", name="plain")
    assert isinstance(engine_of(isolated), IsolatedEngine) and isinstance(engine_of(plain), Engine)
    assert (await isolated(call("/abc"))).request.uri == "/yes"
    assert (await isolated(call("/zzz"))).request.uri == "/no"
    assert (await plain(call())).request.uri == "/plain"


async def test_nothing_a_run_leaves_reaches_the_next_request_in_the_isolated_process(make_hook: MakeHook) -> None:
    hook = make_hook("""var counter = (typeof counter === 'number' ? counter : 0) + 1;
    function handler(e) {
      var seen = {counter: counter, proto: ({}).leak, global: typeof leaked, regex: /x/.leak};
      globalThis.leaked = 1; Object.prototype.leak = 'p'; RegExp.prototype.leak = 'p';
      console.log(JSON.stringify(seen));
      return e.request;
    }""")
    assert isinstance(engine_of(hook), IsolatedEngine)
    logs = [json.loads((await hook(call(f"/{i}"))).logs[-1]) for i in range(3)]
    assert logs == [{"counter": 1, "global": "undefined"}] * 3


@pytest.mark.parametrize(("failure", "reason"), [
    ("throw new Error('no match');", "Error: no match"),
    ("while (true) {}", "compute budget exceeded: stopped after"),
], ids=["throw", "budget"])
async def test_an_isolated_function_keeps_the_lines_it_logged_before_failing(
        make_hook: MakeHook, failure: str, reason: str) -> None:
    """The child's QuickJS interrupt keeps the context, so its lines come back with the error
    (only a run the kernel kills, past twice the stop point, leaves none to report)."""
    hook = make_hook(f"function handler(e) {{ console.log('tested ' + /^\\/a/.test(e.request.uri)); {failure} }}",
                     budget=ComputeBudget(limit_ms=1))
    assert isinstance(engine_of(hook), IsolatedEngine)
    with pytest.raises(HookError) as caught:
        await hook(call("/abc"))
    assert reason in caught.value.reason
    assert caught.value.logs == ["tested true"]


async def test_kvs_reads_and_origin_helpers_work_in_the_isolated_process(make_hook: MakeHook) -> None:
    hook = make_hook("import cf from 'cloudfront';\n"
                     "async function handler(e) { var to = await cf.kvs().get(e.request.uri.replace(/\\/+$/, ''));"
                     " e.request.uri = to; cf.selectRequestOriginById('media'); return e.request; }",
                     kvs={"data": [{"key": "/old", "value": "/new"}]})
    assert isinstance(engine_of(hook), IsolatedEngine)
    result = await hook(call("/old///"))
    assert result.request.uri == "/new"
    assert result.origin is not None and result.origin.id == "media"


async def test_code_that_reaches_regexes_by_a_computed_name_moves_to_a_process(
        make_hook: MakeHook, caplog: pytest.LogCaptureFixture) -> None:
    hook = make_hook("function handler(e) { var name = 'Reg' + 'Exp'; var R = globalThis[name];"
                     " var ok = false; try { ok = new R('^/a').test(e.request.uri); } catch (x) {}"
                     " e.request.uri = ok ? '/matched' : '/no'; return e.request; }")
    assert isinstance(engine_of(hook), Engine)
    with caplog.at_level(logging.INFO, logger="edgesim.functions"):
        result = await hook(call("/abc"))
    assert result.request.uri == "/matched"  # the tripped run was discarded, not answered
    assert isinstance(engine_of(hook), IsolatedEngine)
    assert any("now runs in its own process" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("reach", ["''[['ma', 'tch'].join('')]('a')", "'abc'[['sea', 'rch'].join('')]('b')",
                                   "new globalThis[['Reg', 'Exp'].join('')]('a')"])
def test_in_process_engines_trip_on_every_hidden_way_to_a_regex(reach: str) -> None:
    code = f"function handler(e) {{ try {{ {reach}; }} catch (x) {{}} return e.request; }}"
    engine = Engine("hidden", code, V2, tripwires=True)
    assert engine.run({"context": {"eventType": "viewer-request"}, "request": {}}, now_ms=0).needs_isolation


async def test_close_ends_every_child(make_hook: MakeHook) -> None:
    hook = make_hook("function handler(e) { return /a/.test(e.request.uri) ? e.request : e.request; }")
    engine = engine_of(hook)
    assert isinstance(engine, IsolatedEngine)
    await hook._provider.start()
    pid = engine.pid
    assert pid is not None and alive(pid)
    await hook._provider.close()
    assert not alive(pid)


def test_a_dropped_engine_takes_its_child_with_it() -> None:
    engine = IsolatedEngine("dropped", "function handler(e) { return /a/.test('a') && e.request; }", V2)
    pid = engine.pid
    assert pid is not None and alive(pid)
    del engine
    gc.collect()
    assert not alive(pid)


KILLED_PARENT = """
import os, sys
from edgesim.functions.isolation import IsolatedEngine
engine = IsolatedEngine("orphan", "function handler(e) { return /a/.test('a') && e.request; }", "cloudfront-js-2.0")
print(engine.pid, flush=True)
sys.stdin.read()
"""


def test_a_child_does_not_outlive_a_killed_edge() -> None:
    parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=str(Path(__file__).resolve().parents[2]))
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    for _ in range(500):  # the kernel delivers the parent-death signal; give it a moment
        if not alive(child):
            break
        time.sleep(0.01)
    assert not alive(child)
