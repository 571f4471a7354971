"""Per-invocation cost of typical CloudFront Functions on a warm QuickJS engine.

Goal: p50 under 50 µs for the security-headers function. `Engine.run` is the runtime
alone (event dict encoded to JSON, handler, JSON out); the hook variants add building the
event from an EdgeRequest/EdgeResponse and validating what comes back, i.e. what a
proxied request pays (the hook writes the event's JSON directly instead of encoding a dict).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from pytest_benchmark.fixture import BenchmarkFixture

from edgesim.edge.hooks import EdgeContext, HookCall
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.functions.event import build_event
from edgesim.functions.provider import FunctionHook
from edgesim.functions.runtime import Engine

NOW_MS = 1_700_000_000_000.0
CONTEXT = EdgeContext(request_id="r-1", distribution_id="EDFDVBD6EXAMPLE",
                      distribution_domain_name="d111111abcdef8.cloudfront.net")
REQUEST = EdgeRequest("GET", "/index.html", "", Headers([
    ("Host", "www.example.com"),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/126.0"),
    ("Accept", "text/html"),
    ("Accept-Encoding", "gzip, br"),
    ("Cookie", "session=abc123; theme=dark"),
]), client_ip="203.0.113.9")
RESPONSE = EdgeResponse(200, Headers([("Content-Type", "text/html"), ("Content-Length", "5120"),
                                      ("Cache-Control", "max-age=60")]), b"x" * 5120)

SECURITY_HEADERS = """function handler(event) {
  var response = event.response;
  var headers = response.headers;
  headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubdomains; preload' };
  headers['content-security-policy'] = { value: "default-src 'self'; img-src 'self'" };
  headers['x-content-type-options'] = { value: 'nosniff' };
  headers['x-frame-options'] = { value: 'DENY' };
  headers['x-xss-protection'] = { value: '1; mode=block' };
  headers['referrer-policy'] = { value: 'same-origin' };
  return response;
}
"""

AB_COOKIE = """function handler(event) {
  var request = event.request;
  var group = request.cookies['ab-group'];
  var bucket = group ? group.value : (Math.random() < 0.5 ? 'a' : 'b');
  if (!group) request.cookies['ab-group'] = { value: bucket };
  if (request.uri === '/index.html') request.uri = '/' + bucket + '/index.html';
  return request;
}
"""

JWT_SECRET = "edgesim-bench-secret"
JWT_CHECK = """var crypto = require('crypto');
var SECRET = '%s';
function unauthorized() { return { statusCode: 401, statusDescription: 'Unauthorized' }; }
function handler(event) {
  var request = event.request;
  var auth = request.headers.authorization;
  if (!auth || auth.value.indexOf('Bearer ') !== 0) return unauthorized();
  var parts = auth.value.slice(7).split('.');
  if (parts.length !== 3) return unauthorized();
  var expected = crypto.createHmac('sha256', SECRET).update(parts[0] + '.' + parts[1]).digest('base64url');
  if (expected !== parts[2]) return unauthorized();
  var claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  if (claims.exp * 1000 < Date.now()) return unauthorized();
  request.headers['x-user'] = { value: claims.sub };
  return request;
}
""" % JWT_SECRET


def _token() -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"sub": "user-42", "exp": 1_900_000_000}).encode())
    signature = b64(hmac.new(JWT_SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def _event(event_type: str, request: EdgeRequest = REQUEST) -> dict:
    event, _ = build_event(event_type, CONTEXT, request, RESPONSE if event_type == "viewer-response" else None)
    return event


def test_security_headers_runtime(benchmark: BenchmarkFixture) -> None:
    engine = Engine("security-headers", SECURITY_HEADERS, "cloudfront-js-2.0")
    event = _event("viewer-response")
    run = benchmark(engine.run, event, now_ms=NOW_MS)
    assert run.error is None and "x-frame-options" in run.value["headers"]


def test_ab_cookie_runtime(benchmark: BenchmarkFixture) -> None:
    engine = Engine("ab-cookie", AB_COOKIE, "cloudfront-js-1.0", seed=1)
    event = _event("viewer-request")
    run = benchmark(engine.run, event, now_ms=NOW_MS)
    assert run.error is None and "ab-group" in run.value["cookies"]


def test_hmac_jwt_check_runtime(benchmark: BenchmarkFixture) -> None:
    engine = Engine("jwt", JWT_CHECK, "cloudfront-js-2.0")
    request = REQUEST.copy()
    request.headers.add("Authorization", f"Bearer {_token()}")
    event = _event("viewer-request", request)
    run = benchmark(engine.run, event, now_ms=NOW_MS)
    assert run.error is None and run.value["headers"]["x-user"] == {"value": "user-42"}


def _hook(name: str, code: str, runtime: str) -> FunctionHook:
    """A FunctionHook as the pipeline builds it, for `code`."""
    import tempfile
    from pathlib import Path

    from edgesim.config.model import CacheBehavior, Distribution, EdgeConfig, FunctionConfig, Origin
    from edgesim.functions.provider import FunctionHookProvider

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.js"
        path.write_text(code)
        config = EdgeConfig(
            distribution=Distribution("E1", "d1.cloudfront.net", {"app": Origin("app", "app.internal")},
                                      CacheBehavior("*", "app")),
            functions={name: FunctionConfig(name, runtime, path)},
        )
        return FunctionHook(FunctionHookProvider(config, now=NOW_MS / 1000, seed=1), config.functions[name])


def _through_the_hook(benchmark: BenchmarkFixture, hook: FunctionHook, call: HookCall):  # type: ignore[no-untyped-def]
    """`await hook(call)` as the pipeline does it, from inside a running coroutine.

    A synchronous handler never suspends the hook, so driving the coroutine directly
    costs what the pipeline's `await` costs; an event loop's `run_until_complete` per
    call would add about 20-30 µs of loop bookkeeping that a proxied request does not pay.
    """

    def awaited() -> object:
        coroutine = hook(call)
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value
        coroutine.close()
        raise AssertionError("the hook suspended: use an event loop for this function")

    return benchmark(awaited)


def test_security_headers_through_the_hook(benchmark: BenchmarkFixture) -> None:
    """The same function as the pipeline calls it: event build, run, validation, EdgeResponse."""
    hook = _hook("sh", SECURITY_HEADERS, "cloudfront-js-2.0")
    result = _through_the_hook(benchmark, hook, HookCall("viewer-response", CONTEXT, REQUEST, RESPONSE))
    assert result.response is not None and result.response.headers.get("X-Frame-Options") == "DENY"


def test_ab_cookie_through_the_hook(benchmark: BenchmarkFixture) -> None:
    hook = _hook("ab", AB_COOKIE, "cloudfront-js-1.0")
    result = _through_the_hook(benchmark, hook, HookCall("viewer-request", CONTEXT, REQUEST))
    assert result.request is not None and "ab-group=" in (result.request.headers.get("Cookie") or "")


def test_hmac_jwt_check_through_the_hook(benchmark: BenchmarkFixture) -> None:
    hook = _hook("jwt", JWT_CHECK, "cloudfront-js-2.0")
    request = REQUEST.copy()
    request.headers.add("Authorization", f"Bearer {_token()}")
    result = _through_the_hook(benchmark, hook, HookCall("viewer-request", CONTEXT, request))
    assert result.request is not None and result.request.headers.get("X-User") == "user-42"


def _in_a_loop(benchmark: BenchmarkFixture, hook: FunctionHook, call: HookCall):  # type: ignore[no-untyped-def]
    """`await hook(call)` driven by an event loop, for hooks that suspend (the isolated path)."""
    import asyncio

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(hook(call))  # the child's start is not part of a request
        return benchmark(lambda: loop.run_until_complete(hook(call)))
    finally:
        loop.run_until_complete(hook._provider.close())
        loop.close()


def test_security_headers_through_the_hook_in_a_loop(benchmark: BenchmarkFixture) -> None:
    """In-process, with the same event-loop driver as the isolated variant."""
    hook = _hook("sh", SECURITY_HEADERS, "cloudfront-js-2.0")
    result = _in_a_loop(benchmark, hook, HookCall("viewer-response", CONTEXT, REQUEST, RESPONSE))
    assert result.response is not None and result.response.headers.get("X-Frame-Options") == "DENY"


def test_security_headers_through_the_hook_isolated(benchmark: BenchmarkFixture) -> None:
    """The same function in a child process, as code that can build a regex runs."""
    hook = _hook("sh", SECURITY_HEADERS, "cloudfront-js-2.0")
    hook._provider.isolate(hook._function)
    result = _in_a_loop(benchmark, hook, HookCall("viewer-response", CONTEXT, REQUEST, RESPONSE))
    assert result.response is not None and result.response.headers.get("X-Frame-Options") == "DENY"
