"""FunctionAssociations through the pipeline's hook interface; bad input never kills the server."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from edgesim.config.model import Association, CacheBehavior, Distribution, EdgeConfig, FunctionConfig, Origin
from edgesim.edge.hooks import HookCall, HookError, HookResult
from edgesim.edge.model import EdgeResponse
from edgesim.functions.limits import ComputeBudget
from edgesim.functions.provider import FunctionHook, FunctionHookProvider

from .helpers import CONTEXT, V1, V2, edge_request, edge_response

APP = Origin(id="app", domain_name="app.internal", url_override="http://127.0.0.1:3000")
MEDIA = Origin(id="media", domain_name="media.internal")


@pytest.fixture
def make_hook(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write `code` as a function and return its hook for `event_type`."""

    def make(code: str, event_type: str = "viewer-request", runtime: str = V2, *, kvs: dict | None = None,
             now: float | None = None, budget: ComputeBudget | None = None, name: str = "fn") -> FunctionHook:
        path = tmp_path / f"{name}.js"
        path.write_text(code)
        stores = {}
        if kvs is not None:
            (tmp_path / "kvs.json").write_text(json.dumps(kvs))
            stores = {"store": tmp_path / "kvs.json"}
        functions = {name: FunctionConfig(name=name, runtime=runtime, code_path=path,
                                          key_value_store="store" if kvs is not None else None)}
        behavior = CacheBehavior(path_pattern="*", target_origin_id="app")
        config = EdgeConfig(distribution=Distribution(id="E1", domain_name="d1.cloudfront.net",
                                                      origins={"app": APP, "media": MEDIA}, default_behavior=behavior),
                            functions=functions, key_value_stores=stores)
        provider = FunctionHookProvider(config, now=now, seed=1, compute_budget=budget)
        return provider.hook_for(Association(kind="function", event_type=event_type, name=name,
                                             arn=f"arn:aws:cloudfront::123456789012:function/{name}"))

    return make


def request_call(**kwargs: object) -> HookCall:
    return HookCall(event_type="viewer-request", context=CONTEXT, request=edge_request(**kwargs), origin=APP)  # type: ignore[arg-type]


def response_call(response: EdgeResponse | None = None) -> HookCall:
    return HookCall(event_type="viewer-response", context=CONTEXT, request=edge_request(),
                    response=response or edge_response(), origin=APP)


async def expect_error(hook: FunctionHook, call: HookCall, status: int, name: str) -> HookError:
    with pytest.raises(HookError) as caught:
        await hook(call)
    assert (caught.value.status, caught.value.error_name, caught.value.function) == (status, name, hook.name)
    return caught.value


async def test_viewer_request_function_changes_the_request(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { var r = event.request; console.log('saw ' + r.uri);"
                     " r.uri = r.uri + 'index.html'; r.headers['x-from'] = {value: 'fn'}; return r; }")
    result = await hook(request_call(uri="/docs/"))
    assert isinstance(result, HookResult)
    assert result.request is not None and result.response is None
    assert result.request.uri == "/docs/index.html"
    assert ("X-From", "fn") in result.request.headers.items()
    assert result.logs == ["saw /docs/"]
    assert result.duration_ms > 0
    assert result.origin is None


async def test_viewer_request_function_may_answer_with_a_response(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { return {statusCode: 302, statusDescription: 'Found',"
                     " headers: {location: {value: 'https://example.test/'}}}; }", runtime=V1)
    result = await hook(request_call())
    assert result.request is None and result.response is not None
    assert (result.response.status, result.response.headers.get("location")) == (302, "https://example.test/")


async def test_viewer_response_function_adds_security_headers(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { var r = event.response;"
                     " r.headers['strict-transport-security'] = {value: 'max-age=63072000'}; return r; }", "viewer-response")
    result = await hook(response_call())
    assert result.response is not None
    assert result.response.headers.get("Strict-Transport-Security") == "max-age=63072000"
    assert result.response.body == b"hello"


async def test_viewer_response_is_not_run_for_error_responses(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { throw new Error('must not run'); }", "viewer-response")
    error_response = edge_response(404)
    result = await hook(response_call(error_response))
    assert result.response is error_response and result.logs == []


async def test_thrown_error_is_503_execution_error_logged_with_the_function_name(make_hook, caplog) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { return event.request.headers.nope.value; }")
    with caplog.at_level(logging.INFO, logger="edgesim.functions"):
        error = await expect_error(hook, request_call(), 503, "FunctionExecutionError")
    assert error.reason.startswith("TypeError:")
    assert any(r.name == "edgesim.functions" and "fn" in r.getMessage() and "TypeError" in r.getMessage()
               for r in caplog.records)


async def test_read_only_host_change_is_502_validation_error_naming_the_header(make_hook, caplog) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { event.request.headers.host = {value: 'evil.test'}; return event.request; }")
    with caplog.at_level(logging.INFO, logger="edgesim.functions"):
        error = await expect_error(hook, request_call(), 502, "FunctionValidationError")
    assert "header 'host' is read-only at viewer-request and was changed" in error.reason
    assert any("FunctionValidationError" in r.getMessage() and "host" in r.getMessage() for r in caplog.records)


async def test_changed_method_is_502(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { event.request.method = 'DELETE'; return event.request; }")
    error = await expect_error(hook, request_call(), 502, "FunctionValidationError")
    assert "method is read-only" in error.reason


async def test_returning_undefined_is_502(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { }")
    error = await expect_error(hook, request_call(), 502, "FunctionValidationError")
    assert "not undefined" in error.reason


async def test_syntax_error_does_not_stop_start_up_and_each_call_is_503(make_hook, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="edgesim.functions"):
        hook = make_hook("function handler(event) { return event.request")
    assert any("fn" in r.getMessage() and "syntax error" in r.getMessage() for r in caplog.records)
    error = await expect_error(hook, request_call(), 503, "FunctionExecutionError")
    assert "line 1" in error.reason


async def test_runtime_1_0_syntax_in_a_1_0_function_is_refused_with_its_position(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) {\n  const r = event.request;\n  return r;\n}", runtime=V1)
    error = await expect_error(hook, request_call(), 503, "FunctionExecutionError")
    assert "line 2, column 3: 'const' declarations" in error.reason


async def test_infinite_loop_is_503_and_does_not_stall_the_loop(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { while (true) {} }", budget=ComputeBudget(limit_ms=1))
    error = await expect_error(hook, request_call(), 503, "FunctionExecutionError")
    assert "compute budget exceeded" in error.reason


async def test_memory_bomb_is_503(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { var a = []; while (true) { a.push('x' + a.length); } }",
                     budget=ComputeBudget(limit_ms=200))
    error = await expect_error(hook, request_call(), 503, "FunctionExecutionError")
    assert "memory limit exceeded" in error.reason


LOGS_THEN = "console.log('checking ' + event.request.uri); "


@pytest.mark.parametrize(("code", "limit_ms", "status", "reason"), [
    ("return event.request.headers.nope.value;", 1, 503, "TypeError"),
    ("event.request.method = 'DELETE'; return event.request;", 1, 502, "method is read-only"),
    ("while (true) {}", 1, 503, "compute budget exceeded"),
    ("await null; while (true) {}", 1, 503, "compute budget exceeded"),
    ("var a = []; while (true) { a.push('x' + a.length); }", 200, 503, "memory limit exceeded"),
], ids=["throw", "validation", "budget", "budget-after-await", "memory"])
async def test_a_failed_run_keeps_the_lines_it_logged_before_failing(make_hook, code, limit_ms, status, reason) -> None:  # type: ignore[no-untyped-def]
    """CloudFront keeps a failed run's console lines: TestFunction answers FunctionExecutionLogs
    beside FunctionErrorMessage ("The response also contains function logs and error messages,
    if any exist": API_TestFunction, API_TestResult), so the edge's log shows them before the error."""
    hook = make_hook(f"async function handler(event) {{ {LOGS_THEN}{code} }}", budget=ComputeBudget(limit_ms=limit_ms))
    error = await expect_error(hook, request_call(uri="/docs/"), status,
                               "FunctionValidationError" if status == 502 else "FunctionExecutionError")
    assert reason in error.reason
    assert error.logs == ["checking /docs/"]


async def test_two_megabyte_header_value_is_an_error_not_a_crash(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(event) { return event.request; }")
    await expect_error(hook, request_call(headers=[("Host", "a"), ("X-Big", "x" * (2 * 1024 * 1024))]),
                       503, "FunctionExecutionError")
    assert (await hook(request_call())).request is not None  # and the next request is served


async def test_non_utf8_cookie_reaches_the_function_and_passes_through(make_hook) -> None:  # type: ignore[no-untyped-def]
    raw = b"id=caf\xe9".decode("utf-8", "surrogateescape")
    hook = make_hook("function handler(event) { console.log(event.request.cookies.id.value); return event.request; }")
    result = await hook(request_call(headers=[("Host", "a"), ("Cookie", raw)]))
    assert result.logs == ["café"]
    assert result.request is not None and result.request.headers.get("cookie") == raw


async def test_select_origin_by_id_returns_the_configured_origin(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("import cf from 'cloudfront';\nfunction handler(event) { cf.selectRequestOriginById('media');"
                     " return event.request; }")
    assert (await hook(request_call())).origin == MEDIA


async def test_update_origin_keeps_the_current_origins_other_settings(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("import cf from 'cloudfront';\nfunction handler(event) { cf.updateRequestOrigin({originPath: '/v2'});"
                     " return event.request; }")
    origin = (await hook(request_call())).origin
    assert origin is not None and (origin.id, origin.origin_path, origin.url_override) == ("app", "/v2", APP.url_override)


async def test_unknown_origin_id_is_502(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("import cf from 'cloudfront';\nfunction handler(event) { cf.selectRequestOriginById('nope');"
                     " return event.request; }")
    error = await expect_error(hook, request_call(), 502, "FunctionValidationError")
    assert "'nope'" in error.reason


async def test_key_value_store_from_config(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("import cf from 'cloudfront';\nasync function handler(event) {"
                     " event.request.uri = await cf.kvs().get(event.request.uri); return event.request; }",
                     kvs={"data": [{"key": "/old", "value": "/new"}]})
    result = await hook(request_call(uri="/old"))
    assert result.request is not None and result.request.uri == "/new"


async def test_missing_key_value_store_file_is_503_per_call(make_hook, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(e) { return e.request; }", kvs={})
    (tmp_path / "kvs.json").unlink()
    fresh = FunctionHookProvider(hook._provider.config)  # noqa: SLF001 - a provider that loads after the file went
    broken = fresh.hook_for(Association(kind="function", event_type="viewer-request", name="fn", arn="a"))
    error = await expect_error(broken, request_call(), 503, "FunctionExecutionError")
    assert "kvs.json" in error.reason


async def test_pinned_now_freezes_date(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(e) { console.log(new Date().toISOString()); return e.request; }", now=1_700_000_000.0)
    assert (await hook(request_call())).logs == ["2023-11-14T22:13:20.000Z"]


async def test_warm_engine_is_shared_by_every_association_of_a_function(make_hook) -> None:  # type: ignore[no-untyped-def]
    hook = make_hook("function handler(e) { return e.request; }")
    provider = hook._provider  # noqa: SLF001
    other = provider.hook_for(Association(kind="function", event_type="viewer-request", name="fn", arn="a"))
    assert provider.engine(provider.config.functions["fn"]) is provider.engine(other._function)  # noqa: SLF001
    first = await hook(request_call())
    second = await other(request_call())
    assert first.request is not None and second.request is not None


def test_unknown_function_name_and_non_viewer_events_are_config_errors(make_hook) -> None:  # type: ignore[no-untyped-def]
    provider = make_hook("function handler(e) { return e.request; }")._provider  # noqa: SLF001
    with pytest.raises(LookupError):
        provider.hook_for(Association(kind="function", event_type="viewer-request", name="ghost", arn="a"))
    with pytest.raises(ValueError):
        provider.hook_for(Association(kind="function", event_type="origin-request", name="fn", arn="a"))
