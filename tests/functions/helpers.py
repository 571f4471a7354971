"""Small builders shared by the CloudFront Functions tests."""

from __future__ import annotations

import json
from typing import Any

from edgesim.edge.hooks import EdgeContext
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.functions.runtime import Engine, Run

V1 = "cloudfront-js-1.0"
V2 = "cloudfront-js-2.0"
BOTH = (V1, V2)
NOW_MS = 1_700_000_000_000.0  # 2023-11-14T22:13:20Z
CONTEXT = EdgeContext(request_id="req-1", distribution_id="EDFDVBD6EXAMPLE",
                      distribution_domain_name="d111111abcdef8.cloudfront.net", pop="FRA56-C1",
                      region="eu-central-1")


def request_event(**request: Any) -> dict[str, Any]:
    base = {"method": "GET", "uri": "/", "querystring": {}, "headers": {"host": {"value": "example.test"}}, "cookies": {}}
    base.update(request)
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "203.0.113.9"},
            "request": base}


def run(code: str, runtime: str = V2, event: dict[str, Any] | None = None, **kwargs: Any) -> Run:
    engine = Engine("test-fn", code, runtime, **{k: v for k, v in kwargs.items() if k in ("store", "budget", "seed")})
    return engine.run(event or request_event(), now_ms=kwargs.get("now_ms", NOW_MS),
                      raw_query=kwargs.get("raw_query"), edge_location=kwargs.get("edge_location"))


def evaluate(body: str, runtime: str = V2, **kwargs: Any) -> Any:
    """Run `body` (a function body that returns a value) inside a handler; the value, via JSON."""
    code = ("function handler(event) {\n"
            f"  var result = (function () {{ {body} }})();\n"
            "  console.log(JSON.stringify(result === undefined ? null : result));\n"
            "  return event.request;\n}")
    outcome = run(code, runtime, **kwargs)
    assert outcome.error is None, outcome.error
    return json.loads(outcome.logs[-1])


def error_of(body: str, runtime: str = V2) -> str:
    """The error text a handler running `body` fails with."""
    outcome = run(f"function handler(event) {{ {body}\n return event.request; }}", runtime)
    assert outcome.error is not None, "expected the function to fail"
    return outcome.error


def edge_request(uri: str = "/", query: str = "", headers: list[tuple[str, str]] | None = None,
                 method: str = "GET") -> EdgeRequest:
    return EdgeRequest(method=method, uri=uri, querystring=query,
                       headers=Headers(headers if headers is not None else [("Host", "example.test")]),
                       client_ip="203.0.113.9")


def edge_response(status: int = 200, headers: list[tuple[str, str]] | None = None, body: bytes = b"hello") -> EdgeResponse:
    return EdgeResponse(status=status, headers=Headers(headers or [("Content-Type", "text/html")]), body=body,
                        status_description="")
