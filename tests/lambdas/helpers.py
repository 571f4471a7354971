"""Building blocks for Lambda@Edge tests: code on disk, hooks and calls without the proxy."""

from __future__ import annotations

import base64
import shutil
import textwrap
from pathlib import Path

import pytest

from edgesim.config.model import Association, LambdaConfig, Origin
from edgesim.edge.hooks import EdgeContext, HookCall
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.lambdas.provider import LambdaEdgeHook, LambdaRuntime

NODE = shutil.which("node")
requires_node = pytest.mark.skipif(NODE is None, reason="Node.js runtimes need `node` on PATH, and none was found")

DIST_ID = "EDFDVBD6EXAMPLE"
CONTEXT = EdgeContext(request_id="4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
                      distribution_id=DIST_ID, distribution_domain_name="d111111abcdef8.cloudfront.net")
ORIGIN = Origin(id="app", domain_name="example.org", protocol_policy="https-only", custom_headers=(("x-origin-key", "k1"),))

# One warm function answers many tests: it runs the JavaScript (or Python) it finds,
# base64-encoded, in the request header `x-script`, with `event`, `cf`, `request` and
# `response` in scope.
SCRIPTED_NODE = """
exports.handler = async (event, context) => {
  const cf = event.Records[0].cf;
  const script = Buffer.from(cf.request.headers['x-script'][0].value, 'base64').toString();
  return new Function('event', 'cf', 'request', 'response', 'context', script)(event, cf, cf.request, cf.response, context);
};
"""
SCRIPTED_PYTHON = """
import base64

def lambda_handler(event, context):
    cf = event["Records"][0]["cf"]
    script = base64.b64decode(cf["request"]["headers"]["x-script"][0]["value"]).decode()
    scope = {"event": event, "cf": cf, "request": cf["request"], "response": cf.get("response"), "context": context}
    exec(script, scope)
    return scope["result"]
"""


def write_code(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        if name == "bootstrap":
            path.chmod(0o755)
    return directory


def make_hook(
    runtime: LambdaRuntime,
    code: Path,
    event_type: str = "viewer-request",
    *,
    runtime_name: str = "nodejs20.x",
    handler: str | None = None,
    include_body: bool = False,
    timeout: float | None = None,
    memory: int = 128,
    name: str | None = None,
    version: str = "1",
) -> LambdaEdgeHook:
    name = name or code.name
    if handler is None:
        handler = {"node": "index.handler", "pyth": "lambda_function.lambda_handler"}.get(runtime_name[:4], "handler")
    lam = LambdaConfig(name=name, runtime=runtime_name, handler=handler, code_path=code, memory_size=memory, timeout=timeout)
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}:{version}"
    return LambdaEdgeHook(runtime, lam, Association("lambda", event_type, name, arn, version, include_body))


def viewer_request(**overrides: object) -> EdgeRequest:
    fields: dict[str, object] = dict(
        method="GET", uri="/index.html", querystring="a=1&b=2",
        headers=Headers([("Host", "d111111abcdef8.cloudfront.net"), ("User-Agent", "curl/8.5.0"), ("accept", "*/*")]),
        client_ip="203.0.113.178",
    )
    fields.update(overrides)
    return EdgeRequest(**fields)  # type: ignore[arg-type]


def origin_response(**overrides: object) -> EdgeResponse:
    fields: dict[str, object] = dict(
        status=200, headers=Headers([("Content-Type", "text/html"), ("Transfer-Encoding", "chunked"), ("Via", "1.1 origin")]),
        body=b"<html>origin body</html>", status_description="OK",
    )
    fields.update(overrides)
    return EdgeResponse(**fields)  # type: ignore[arg-type]


def make_call(
    event_type: str,
    *,
    request: EdgeRequest | None = None,
    response: EdgeResponse | None = None,
    origin: Origin | None = ORIGIN,
    region: str = "us-east-1",
    script: str | None = None,
) -> HookCall:
    request = request or viewer_request()
    if script is not None:
        request.headers.add("x-script", base64.b64encode(textwrap.dedent(script).encode()).decode())
    if event_type.endswith("response") and response is None:
        response = origin_response()
    context = EdgeContext(CONTEXT.request_id, CONTEXT.distribution_id, CONTEXT.distribution_domain_name, region=region)
    return HookCall(event_type, context, request, response, origin if event_type.startswith("origin-") else None)
