"""Lambda@Edge events shaped like the developer guide's example events, and the samples' code.

The values (distribution, request id, client IP, origins) are the guide's example event's
(lambda-event-structure.html); each test fills in only what its sample reads.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest

CODE = Path(__file__).parent / "code"
requires_node = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js samples need `node` on PATH")

CUSTOM_ORIGIN = {"custom": {
    "customHeaders": {}, "domainName": "example.org", "keepaliveTimeout": 5, "path": "",
    "port": 443, "protocol": "https", "readTimeout": 30, "sslProtocols": ["TLSv1", "TLSv1.1", "TLSv1.2"],
}}
S3_ORIGIN = {"s3": {
    "authMethod": "none", "customHeaders": {}, "domainName": "my-bucket.s3.amazonaws.com", "path": "", "region": "us-east-1",
}}


def sample(name: str) -> Path:
    """A sample's code directory (tests/samples/lambdas/code/NAME)."""
    return CODE / name


def in_both_languages(name: str) -> list[Any]:
    """`NAME-node` (skipped without node) and `NAME-python`, for parametrize."""
    return [pytest.param(sample(f"{name}-node"), id="node", marks=requires_node), pytest.param(sample(f"{name}-python"), id="python")]


def header_map(headers: dict[str, str | list[str]]) -> dict[str, list[dict[str, str]]]:
    """{'Host': 'a'} -> {'host': [{'key': 'Host', 'value': 'a'}]}, a list giving several lines."""
    return {
        name.lower(): [{"key": name, "value": v} for v in (values if isinstance(values, list) else [values])]
        for name, values in headers.items()
    }


def request_event(
    event_type: str,
    *,
    uri: str = "/",
    querystring: str = "",
    method: str = "GET",
    headers: dict[str, str | list[str]] | None = None,
    body: bytes | None = None,
    origin: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One `Records[0].cf` event; origin events get the guide's custom origin unless told."""
    request: dict[str, Any] = {
        "clientIp": "203.0.113.178",
        "headers": header_map({"Host": "d111111abcdef8.cloudfront.net", "User-Agent": "curl/8.5.0", **(headers or {})}),
        "method": method,
        "querystring": querystring,
        "uri": uri,
    }
    if event_type.startswith("origin-"):
        request["origin"] = origin or CUSTOM_ORIGIN
    if body is not None:
        request["body"] = {"inputTruncated": False, "action": "read-only", "encoding": "base64",
                           "data": base64.b64encode(body).decode()}
    cf: dict[str, Any] = {
        "config": {"distributionDomainName": "d111111abcdef8.cloudfront.net", "distributionId": "EDFDVBD6EXAMPLE",
                   "eventType": event_type, "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="},
        "request": request,
    }
    if response is not None:
        cf["response"] = response
    return {"Records": [{"cf": cf}]}


def response_event(event_type: str, status: str, description: str, headers: dict[str, str] | None = None,
                   **request: Any) -> dict[str, Any]:
    """A response event (the origin's answer as CloudFront shows it: no body)."""
    response = {"headers": header_map(headers or {}), "status": status, "statusDescription": description}
    return request_event(event_type, response=response, **request)
