"""CloudFront-shaped events and a runner for the official CloudFront Functions samples.

Events follow the developer guide's "CloudFront Functions event structure" page: the
full `context`, the viewer's IP, value-object maps with lower-case header names.
Each sample runs through `edgesim.testing.run_function` (what `edgesim test-function`
prints), and where a sample changes the origin, its calls are also applied as the
edge applies them, so a call CloudFront accepts must not be a 502 here.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from edgesim.config.model import Association, CacheBehavior, Distribution, EdgeConfig, FunctionConfig, Origin
from edgesim.edge.hooks import EdgeContext, HookCall, HookResult
from edgesim.edge.model import EdgeRequest, Headers
from edgesim.functions.origins import apply_origin_calls
from edgesim.functions.provider import FunctionHookProvider
from edgesim.testing import run_function

V1 = "cloudfront-js-1.0"
V2 = "cloudfront-js-2.0"
NOW = "2024-06-01T12:00:00Z"
NOW_SECONDS = 1_717_243_200


def values(**entries: str) -> dict[str, dict[str, str]]:
    """A value-object map (`{"name": {"value": ...}}`)."""
    return {name.replace("_", "-"): {"value": value} for name, value in entries.items()}


def request(uri: str = "/index.html", *, method: str = "GET", querystring: dict[str, Any] | None = None,
            headers: dict[str, Any] | None = None, cookies: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"method": method, "uri": uri, "querystring": querystring or {},
            "headers": headers if headers is not None else values(host="www.example.com"),
            "cookies": cookies or {}}


def viewer_request(req: dict[str, Any] | None = None, ip: str = "198.51.100.11") -> dict[str, Any]:
    return {"version": "1.0",
            "context": {"distributionDomainName": "d111111abcdef8.cloudfront.net", "distributionId": "EDFDVBD6EXAMPLE",
                        "eventType": "viewer-request", "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="},
            "viewer": {"ip": ip}, "request": req or request()}


def viewer_response(response: dict[str, Any], req: dict[str, Any] | None = None) -> dict[str, Any]:
    event = viewer_request(req)
    event["context"]["eventType"] = "viewer-response"
    event["response"] = {"statusCode": 200, "statusDescription": "OK", "cookies": {}, **response}
    return event


def run(code: str, event: dict[str, Any], runtime: str, **options: Any) -> dict[str, Any]:
    """What the function returned (`request` or `response`), after checking it ran cleanly."""
    result = run_function(code, event, event_type=event["context"]["eventType"], runtime=runtime,
                          now=options.pop("now", NOW), seed=options.pop("seed", 7), **options)
    test_result = result["TestResult"]
    assert test_result["FunctionErrorMessage"] == "", test_result["FunctionErrorMessage"]
    output = json.loads(test_result["FunctionOutput"])
    output["_edgesim"] = result["Edgesim"]
    output["_logs"] = test_result["FunctionExecutionLogs"]
    return output


def origin_after(calls: list[dict[str, Any]], current: Origin, *others: Origin) -> Origin | None:
    """The origin the edge would send the request to after these helper calls."""
    origins = {o.id: o for o in (current, *others)}
    origin, _notes = apply_origin_calls(calls, current, origins)
    return origin


CONTEXT = EdgeContext(request_id="req-1", distribution_id="EDFDVBD6EXAMPLE",
                      distribution_domain_name="d111111abcdef8.cloudfront.net", pop="FRA56-C1", region="eu-central-1")


def through_the_edge(code: str, runtime: str, edge_request: EdgeRequest, origins: list[Origin], *,
                     kvs: dict[str, str] | None = None) -> HookResult:
    """The viewer-request hook the edge runs for this function, on a distribution whose
    default behavior targets the first of `origins`: what goes on to the cache and origin."""
    with tempfile.TemporaryDirectory(prefix="edgesim-sample-") as folder:
        work = Path(folder)
        (work / "fn.js").write_text(code, encoding="utf-8")
        stores = {}
        if kvs is not None:
            (work / "kvs.json").write_text(json.dumps(kvs), encoding="utf-8")
            stores = {"store": work / "kvs.json"}
        config = EdgeConfig(
            distribution=Distribution(id="EDFDVBD6EXAMPLE", domain_name="d111111abcdef8.cloudfront.net",
                                      origins={o.id: o for o in origins},
                                      default_behavior=CacheBehavior(path_pattern="*", target_origin_id=origins[0].id)),
            functions={"fn": FunctionConfig(name="fn", runtime=runtime, code_path=work / "fn.js",
                                            key_value_store="store" if kvs is not None else None)},
            key_value_stores=stores)
        hook = FunctionHookProvider(config, seed=7).hook_for(
            Association(kind="function", event_type="viewer-request", name="fn",
                        arn="arn:aws:cloudfront::123456789012:function/fn"))
        call = HookCall(event_type="viewer-request", context=CONTEXT, request=edge_request, origin=origins[0])
        return asyncio.run(hook(call))


def edge_request(uri: str = "/index.html", query: str = "", headers: list[tuple[str, str]] | None = None,
                 ip: str = "198.51.100.11") -> EdgeRequest:
    return EdgeRequest(method="GET", uri=uri, querystring=query,
                       headers=Headers(headers if headers is not None else [("Host", "www.example.com")]), client_ip=ip)
