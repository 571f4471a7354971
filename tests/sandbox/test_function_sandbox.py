"""A CloudFront Function reaches nothing but its event: no Python, files, network or
timers, nothing left by another request, and no way to hold the event loop past its budget."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from edgesim.config.model import Association, CacheBehavior, Distribution, EdgeConfig, FunctionConfig, Origin
from edgesim.edge.hooks import HookCall, HookError
from edgesim.functions.limits import ComputeBudget
from edgesim.functions.provider import FunctionHookProvider
from edgesim.functions.runtime import Engine
from tests.functions.helpers import BOTH, CONTEXT, NOW_MS, V2, edge_request, request_event

ORIGIN = Origin(id="app", domain_name="app.internal")

PROBE = """function handler(event) {
  var found = {};
  var names = ['process', 'require', 'std', 'os', 'fetch', 'XMLHttpRequest', 'setTimeout', 'setInterval',
               'setImmediate', 'queueMicrotask', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'Worker',
               '__edgesim_env', 'py', 'python', 'globalThis.__builtins__', 'scriptArgs', 'print', 'load'];
  for (var i = 0; i < names.length; i++) {
    try { found[names[i]] = typeof eval(names[i]); } catch (e) { found[names[i]] = 'absent'; }
  }
  console.log(JSON.stringify(found));
  return event.request;
}"""


def one_run(code: str, runtime: str = V2, uri: str = "/", **kwargs):  # type: ignore[no-untyped-def]
    return Engine("sandboxed", code, runtime, **kwargs).run(request_event(uri=uri), now_ms=NOW_MS)


@pytest.mark.parametrize("runtime", BOTH)
def test_function_sees_no_host_objects_io_or_timers(runtime: str) -> None:
    run = one_run(PROBE, runtime)
    assert run.error is None, run.error
    found = json.loads(run.logs[-1])
    assert {name: kind for name, kind in found.items() if kind not in ("absent", "undefined")} == {}


@pytest.mark.parametrize("module", ["fs", "os", "std", "child_process", "net", "http", "process", "../../etc/passwd"])
def test_require_of_a_host_module_fails(module: str) -> None:
    code = f"function handler(event) {{ var m = require({json.dumps(module)}); return event.request; }}"
    try:
        run = one_run(code)
    except Exception as exc:  # refused when loading: as good as failing at run time
        assert module.split("/")[-1] in str(exc) or "require" in str(exc)
        return
    assert run.error is not None


@pytest.mark.parametrize("runtime", BOTH)
def test_global_and_built_in_changes_do_not_reach_the_next_request(runtime: str) -> None:
    code = """var counter = (typeof counter === 'number' ? counter : 0) + 1;
    function handler(event) {
      var seen = {counter: counter, proto: ({}).leak, arr: [].leak, str: ''.leak, json: JSON.leak,
                  global: typeof leaked, parse: JSON.parse('{"a":1}').a, fn: (function(){}).leak};
      if (event.request.uri === '/poison') {
        globalThis.leaked = 1;
        Object.prototype.leak = 'p'; Array.prototype.leak = 'p'; String.prototype.leak = 'p';
        Function.prototype.leak = 'p'; JSON.leak = 'p';
        JSON.parse = function () { return {a: 'hijacked'}; };
      }
      console.log(JSON.stringify(seen));
      return event.request;
    }"""
    engine = Engine("leaky", code, runtime)
    seen = []
    for uri in ("/first", "/poison", "/after", "/again"):
        run = engine.run(request_event(uri=uri), now_ms=NOW_MS)
        assert run.error is None, run.error
        seen.append(json.loads(run.logs[-1]))
    clean = {"counter": 1, "global": "undefined", "parse": 1}
    assert seen[0] == seen[1] == seen[2] == seen[3] == clean


@pytest.mark.parametrize("target", ["Object.prototype", "Array.prototype", "String.prototype", "Function.prototype",
                                    "JSON"])
def test_one_enumerable_property_on_one_watched_object_does_not_reach_the_next_request(target: str) -> None:
    """Each watched object alone: the sweep's for-in over the global also walks its prototype
    (Object.prototype) without deleting what it finds there, so the tamper check must catch it."""
    code = f"""function handler(event) {{
      var holder = {target};
      console.log(String(holder.leak) + ' ' + typeof leak);
      holder.leak = 'p';
      return event.request;
    }}"""
    engine = Engine("one-leak", code, V2)
    runs = [engine.run(request_event(uri=f"/{n}"), now_ms=NOW_MS) for n in range(3)]
    assert [run.error for run in runs] == [None, None, None]
    assert [run.logs[-1] for run in runs] == ["undefined undefined"] * 3


RAW_QUERY_STRING_CHANGES = {
    "property": "event.request.rawQueryString.leak = 'p';",
    "defined_property": "Object.defineProperty(event.request.rawQueryString, 'leak', {value: 'p'});",
    "frozen": "Object.freeze(event.request.rawQueryString);",
}


@pytest.mark.parametrize("change", RAW_QUERY_STRING_CHANGES.values(), ids=RAW_QUERY_STRING_CHANGES.keys())
def test_a_change_to_request_raw_query_string_does_not_reach_the_next_request(change: str) -> None:
    """2.0's `request.rawQueryString` is one function object shared by every run of a context."""
    code = f"""function handler(event) {{
      var method = event.request.rawQueryString;
      console.log(String(method.leak) + ' ' + Object.isFrozen(method) + ' ' + method());
      {change}
      return event.request;
    }}"""
    engine = Engine("raw-query", code, V2)
    runs = [engine.run(request_event(uri=f"/{n}"), now_ms=NOW_MS, raw_query=f"n={n}") for n in range(3)]
    assert [run.error for run in runs] == [None, None, None]
    assert [run.logs[-1] for run in runs] == [f"undefined false n={n}" for n in range(3)]


POLYFILLS = {
    # Non-enumerable and non-configurable: defining it again on a reused context would throw.
    "define_property": "Object.defineProperty(Array.prototype, 'last', {value: function () { return this[this.length - 1]; }});",
    "define_properties": "Object.defineProperties(String.prototype, {shout: {value: function () { return this + '!'; }}});",
    "replace_by_assignment": "String.prototype.trim = function () { return 'replaced'; };",
    "delete": "delete Array.prototype.includes;",
    "freeze": "Object.freeze(Array.prototype);",
    "seal": "Object.seal(JSON);",
    "prevent_extensions": "Object.preventExtensions(Function.prototype);",
    "set_prototype_of": "Object.setPrototypeOf(String.prototype, null);",
}


@pytest.mark.parametrize("change", POLYFILLS.values(), ids=POLYFILLS.keys())
def test_every_kind_of_built_in_change_is_undone_before_the_next_request(change: str) -> None:
    code = f"""function handler(event) {{
      var seen = [typeof [].last, typeof ''.shout, ' x '.trim(), typeof [].includes, Object.isFrozen(Array.prototype),
                  Object.isSealed(JSON), Object.isExtensible(Function.prototype), Object.getPrototypeOf(String.prototype) === Object.prototype];
      Array.prototype.scratch = 1;  // a polyfill assigned on a prototype a previous run reshaped
      delete Array.prototype.scratch;
      {change}
      console.log(JSON.stringify(seen));
      return event.request;
    }}"""
    engine = Engine("reshaper", code, V2)
    runs = [engine.run(request_event(uri=f"/{n}"), now_ms=NOW_MS) for n in range(3)]
    assert [run.error for run in runs] == [None, None, None]
    assert {run.logs[-1] for run in runs} == {'["undefined","undefined","x","function",false,false,true,true]'}


def test_a_run_that_only_changes_a_built_in_and_returns_still_gets_a_fresh_context() -> None:
    code = """function handler(event) {
      event.request.headers['x-seen'] = {value: typeof [].leak};
      Array.prototype.leak = 1;
      return event.request;
    }"""
    engine = Engine("quiet", code, V2)
    runs = [engine.run(request_event(uri=f"/{n}"), now_ms=NOW_MS) for n in range(2)]
    assert [run.value["headers"]["x-seen"]["value"] for run in runs] == ["undefined", "undefined"]


def test_the_noted_object_functions_keep_their_names_and_lengths() -> None:
    names = ["defineProperty", "defineProperties", "setPrototypeOf", "freeze", "seal", "preventExtensions"]
    code = f"""function handler(event) {{
      console.log(JSON.stringify({json.dumps(names)}.map(function (n) {{ return [Object[n].name, Object[n].length]; }})));
      return event.request;
    }}"""
    run = one_run(code)
    assert json.loads(run.logs[-1]) == [[name, length] for name, length in zip(names, [3, 2, 2, 1, 1, 1])]


def test_object_functions_on_ordinary_objects_keep_the_context() -> None:
    code = """var calls = 0;
    function handler(event) {
      var o = Object.freeze(Object.defineProperty({}, 'a', {value: 1, enumerable: true}));
      Object.defineProperties(event.request, {marked: {value: true}});
      Object.setPrototypeOf(o, null);
      return event.request;
    }"""
    engine = Engine("ordinary", code, V2)
    engine.run(request_event(), now_ms=NOW_MS)
    context = engine._context
    engine.run(request_event(), now_ms=NOW_MS)
    assert engine._context is context, "changing the run's own objects is not tampering"


def test_a_function_that_breaks_the_runtimes_tools_gets_an_error_not_a_crash() -> None:
    code = """function handler(event) {
      JSON.stringify = function () { return '{"nonsense": true}'; };
      Object.keys = function () { throw new Error('no'); };
      return event.request;
    }"""
    engine = Engine("saboteur", code, V2)
    first = engine.run(request_event(uri="/a"), now_ms=NOW_MS)
    second = engine.run(request_event(uri="/b"), now_ms=NOW_MS)
    assert first.error is None and first.value["uri"] == "/a"
    assert second.error is None and second.value["uri"] == "/b"


def test_runtime_entry_points_cannot_be_replaced() -> None:
    code = """function handler(event) {
      try { __edgesim_invoke = function () { return '{}'; }; } catch (e) {}
      try { Object.defineProperty(globalThis, '__edgesim_finish', {value: 1}); } catch (e) {}
      return event.request;
    }"""
    engine = Engine("hijacker", code, V2)
    for uri in ("/a", "/b", "/c"):
        run = engine.run(request_event(uri=uri), now_ms=NOW_MS)
        assert run.error is None and run.value["uri"] == uri


def test_two_functions_share_nothing() -> None:
    writer = Engine("writer", "function handler(e) { Object.prototype.mark = 'w'; globalThis.shared = 1; return e.request; }", V2)
    reader = Engine("reader", "function handler(e) { console.log(String(({}).mark) + typeof shared); return e.request; }", V2)
    writer.run(request_event(), now_ms=NOW_MS)
    assert reader.run(request_event(), now_ms=NOW_MS).logs == ["undefinedundefined"]


HOSTILE = {
    "busy_loop": "while (true) {}",
    "deep_recursion": "function f(n) { return f(n + 1) + 1; } f(0);",
    "huge_string": "var s = 'x'; while (true) s = s + s;",
    "huge_array": "var a = []; while (true) a.push({a: [1, 2, 3]});",
    "sort_with_slow_comparator": "var a = []; for (var i = 0; i < 1e6; i++) a.push(i); a.sort(function (x, y) { for (var k = 0; k < 1e3; k++); return y - x; });",
    "json_bomb": "var o = {}; for (var i = 0; i < 1e7; i++) o = {o: o}; JSON.stringify(o);",
    "async_spin": "async function spin() { while (true) await null; } spin();",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
async def test_hostile_function_is_stopped_and_the_event_loop_keeps_ticking(body: str) -> None:
    budget = ComputeBudget(limit_ms=1.0, stop_factor=20.0)
    code = f"async function handler(event) {{ if (event.request.uri === '/bad') {{ {body} }} return event.request; }}"
    engine = Engine("hostile", code, V2, budget=budget)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(10_000):
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    run = await loop.run_in_executor(None, lambda: engine.run(request_event(uri="/bad"), now_ms=NOW_MS))
    task.cancel()
    assert run.error is not None
    # The engine stopped it: the same engine serves the next request normally.
    after = engine.run(request_event(uri="/good"), now_ms=NOW_MS)
    assert after.error is None and after.value["uri"] == "/good"
    assert time.perf_counter() - started < 60  # bounded, not a timing claim: a hang would never return


@contextlib.asynccontextmanager
async def hostile_function(tmp_path: Path, name: str, code: str) -> AsyncIterator[tuple[Any, Callable[[], int]]]:
    """A started provider's hook for `code`, and a count of event-loop turns taken meanwhile:
    the ticks prove the loop kept running while the function's process burned."""
    (tmp_path / f"{name}.js").write_text(code)
    config = EdgeConfig(
        distribution=Distribution(id="E1", domain_name="d1.cloudfront.net", origins={"app": ORIGIN},
                                  default_behavior=CacheBehavior(path_pattern="*", target_origin_id="app")),
        functions={name: FunctionConfig(name=name, runtime=V2, code_path=tmp_path / f"{name}.js")})
    provider = FunctionHookProvider(config, compute_budget=ComputeBudget(limit_ms=1.0, stop_factor=20.0))
    hook = provider.hook_for(Association(kind="function", event_type="viewer-request", name=name,
                                         arn=f"arn:aws:cloudfront::123456789012:function/{name}"))
    await provider.start()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    try:
        yield hook, lambda: ticks
    finally:
        task.cancel()
        await provider.close()


async def test_catastrophic_regex_is_stopped_by_the_budget(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The regex engine ignores QuickJS's interrupt: the function's process is killed instead,
    the event loop keeps ticking, and a fresh process serves the next request."""
    code = "function handler(e) { if (e.request.uri === '/bad') /^(a+)+$/.test('a'.repeat(40) + 'b'); return e.request; }"
    async with hostile_function(tmp_path, "regex", code) as (hook, ticks):
        with caplog.at_level(logging.INFO, logger="edgesim.functions"), pytest.raises(HookError) as caught:
            await asyncio.wait_for(hook(request_call("/bad")), 60)  # bounded, not a timing claim
        assert (caught.value.status, caught.value.error_name) == (503, "FunctionExecutionError")
        assert "ran past its budget in a regular expression" in caught.value.reason
        assert any("regex" in r.getMessage() and "ran past its budget in a regular expression" in r.getMessage()
                   for r in caplog.records)
        assert ticks() > 10  # the event loop ran while the regex burned the function's process
        after = await hook(request_call("/good"))
        assert after.request is not None and after.request.uri == "/good"


def request_call(uri: str) -> HookCall:
    return HookCall(event_type="viewer-request", context=CONTEXT, request=edge_request(uri=uri), origin=ORIGIN)


async def test_quadratic_string_search_is_stopped_without_stalling_the_edge(tmp_path: Path) -> None:
    """`indexOf` is a C loop QuickJS cannot interrupt; a search that large trips the wire,
    the function moves to its own process, and that process is stopped at the budget."""
    code = ("function handler(e) { if (e.request.uri === '/bad') "
            "{ 'a'.repeat(400000).indexOf('a'.repeat(200000) + 'b'); } return e.request; }")
    async with hostile_function(tmp_path, "search", code) as (hook, ticks):
        assert (await hook(request_call("/good"))).request.uri == "/good", "small searches stay in-process"
        with pytest.raises(HookError) as caught:
            await asyncio.wait_for(hook(request_call("/bad")), 60)  # bounded, not a timing claim
        assert (caught.value.status, caught.value.error_name) == (503, "FunctionExecutionError")
        assert "cannot be interrupted" in caught.value.reason
        assert ticks() > 10, "the event loop ran while the search burned the function's process"
        after = await hook(request_call("/good"))
        assert after.request is not None and after.request.uri == "/good"


def test_small_searches_behave_as_the_real_methods() -> None:
    from edgesim.functions.runtime import Engine

    code = """function handler(e) {
      var s = 'a-b-c';
      var a = ['x', 'y', 'x'];
      console.log([s.indexOf('b'), s.lastIndexOf('-'), s.includes('c'), s.split('-').length,
                   s.replace('-', '+'), s.replaceAll('-', '+'), String.prototype.indexOf.length,
                   a.indexOf('x'), a.lastIndexOf('x'), a.includes('z'), [1, NaN].includes(NaN)].join(' '));
      return e.request;
    }"""
    engine = Engine("search", code, V2, tripwires=True)
    assert engine.run(request_event(), now_ms=NOW_MS).logs == ["2 3 true 3 a+b-c a+b+c 1 0 2 false true"]


def test_a_long_array_search_trips_the_wire() -> None:
    from edgesim.functions.runtime import Engine

    code = ("function handler(e) { var big = 'a'.repeat(100000); var list = new Array(60).fill(big);"
            " list.indexOf(big.slice(1) + 'b'); return e.request; }")  # worst case 60 x 100,000 characters
    outcome = Engine("search", code, V2, tripwires=True).run(request_event(), now_ms=NOW_MS)
    assert outcome.needs_isolation, "the run is discarded and rerun where it can be stopped"
