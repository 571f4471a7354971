"""What a Lambda@Edge function sees: the `Records[0].cf` event built from the model.

Spec sections 1.1-1.8: header maps keyed by lower-case name holding `{key, value}` lists
(disallowed headers hidden), `querystring` without `?`, `status` as a string, `origin`
only on origin events, `body` only with IncludeBody (base64, truncated at the trigger's
limit with `inputTruncated`).
"""

from __future__ import annotations

import base64
import http
import json
import re
from dataclasses import dataclass, field
from typing import Any

from edgesim.config.model import Origin
from edgesim.edge.header_rules import is_disallowed
from edgesim.edge.hooks import ORIGIN_REQUEST, ORIGIN_RESPONSE, REQUEST_EVENTS, HookCall
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers

KB = 1024
MB = 1024 * 1024

# Spec 3.1-3.2, per event type: the body a function is shown, and what it may hand back.
BODY_INPUT_LIMIT = {"viewer-request": 40 * KB, "origin-request": 1 * MB}
BODY_REPLACE_LIMIT = {
    "text": {"viewer-request": 40 * KB, "origin-request": 1 * MB},
    "base64": {"viewer-request": int(53.2 * KB), "origin-request": int(1.33 * MB)},
}
GENERATED_RESPONSE_LIMIT = {
    "viewer-request": 40 * KB,
    "origin-request": 1 * MB,
    "origin-response": 1 * MB,
    "viewer-response": 40 * KB,
}
ORIGIN_EVENTS = frozenset({ORIGIN_REQUEST, ORIGIN_RESPONSE})

_S3_REGION = re.compile(r"\.s3[.-]([a-z0-9-]+)\.amazonaws\.com$")


@dataclass
class SentEvent:
    """An event as sent, with what the result is checked and merged against.

    Disallowed headers are hidden from the function but not dropped: they are put back
    on whatever it returns. `warnings` collects what reading the result accepted on an
    unconfirmed rule.
    """

    event_type: str
    cf: dict[str, Any]
    call: HookCall
    include_body: bool
    hidden_request_headers: list[tuple[str, str]] = field(default_factory=list)
    hidden_response_headers: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def payload(self) -> bytes:
        return json.dumps({"Records": [{"cf": self.cf}]}, separators=(",", ":")).encode()


def canonical_key(name: str) -> str:
    """CloudFront's fill-in for a missing `key`: `x-my-thing` -> `X-My-Thing`."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def headers_to_cf(headers: Headers) -> tuple[dict[str, list[dict[str, str]]], list[tuple[str, str]]]:
    """The event's header map, and the disallowed fields kept out of it."""
    shown: dict[str, list[dict[str, str]]] = {}
    hidden: list[tuple[str, str]] = []
    for name, value in headers:
        if is_disallowed(name):
            hidden.append((name, value))
        else:
            shown.setdefault(name.lower(), []).append({"key": name, "value": value})
    return shown, hidden


def pairs_to_cf(pairs: tuple[tuple[str, str], ...]) -> dict[str, list[dict[str, str]]]:
    shown: dict[str, list[dict[str, str]]] = {}
    for name, value in pairs:
        shown.setdefault(name.lower(), []).append({"key": name, "value": value})
    return shown


def origin_protocol(origin: Origin, viewer_scheme: str) -> str:
    if origin.protocol_policy == "https-only":
        return "https"
    if origin.protocol_policy == "match-viewer":
        return viewer_scheme
    return "http"


def s3_region(domain_name: str) -> str:
    match = _S3_REGION.search(domain_name)
    return match.group(1) if match else "us-east-1"


def origin_to_cf(origin: Origin, viewer_scheme: str) -> dict[str, Any]:
    """`request.origin`: exactly one of `custom` or `s3` (spec 1.7)."""
    if origin.is_s3:
        oai = bool(origin.s3_origin_access_identity)
        return {
            "s3": {
                "authMethod": "origin-access-identity" if oai else "none",
                "customHeaders": pairs_to_cf(origin.custom_headers),
                "domainName": origin.domain_name,
                "path": origin.origin_path,
                "region": s3_region(origin.domain_name) if origin.s3_region is None else origin.s3_region,
            }
        }
    protocol = origin_protocol(origin, viewer_scheme)
    return {
        "custom": {
            "customHeaders": pairs_to_cf(origin.custom_headers),
            "domainName": origin.domain_name,
            "keepaliveTimeout": int(origin.keepalive_timeout),
            "path": origin.origin_path,
            "port": origin.https_port if protocol == "https" else origin.http_port,
            "protocol": protocol,
            "readTimeout": int(origin.read_timeout),
            "sslProtocols": list(origin.ssl_protocols),
        }
    }


def body_to_cf(body: bytes, event_type: str) -> dict[str, Any]:
    limit = BODY_INPUT_LIMIT[event_type]
    return {
        "inputTruncated": len(body) > limit,
        "action": "read-only",
        "encoding": "base64",
        "data": base64.b64encode(body[:limit]).decode("ascii"),
    }


def request_to_cf(
    request: EdgeRequest, event_type: str, origin: Origin | None, include_body: bool
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    headers, hidden = headers_to_cf(request.headers)
    cf: dict[str, Any] = {"clientIp": request.client_ip, "headers": headers, "method": request.method}
    if event_type in ORIGIN_EVENTS and origin is not None:
        cf["origin"] = origin_to_cf(origin, request.scheme)
    cf["querystring"] = request.querystring
    cf["uri"] = request.uri
    # Spec 1.6: only request events with IncludeBody, and only when there is a body.
    if include_body and event_type in REQUEST_EVENTS and request.body:
        cf["body"] = body_to_cf(request.body, event_type)
    return cf, hidden


def response_to_cf(response: EdgeResponse) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    headers, hidden = headers_to_cf(response.headers)
    description = response.status_description or _reason(response.status)
    return {"headers": headers, "status": str(response.status), "statusDescription": description}, hidden


def build_event(call: HookCall, include_body: bool) -> SentEvent:
    """The event for one invocation (the response is only read for response events)."""
    ctx = call.context
    config = {
        "distributionDomainName": ctx.distribution_domain_name,
        "distributionId": ctx.distribution_id,
        "eventType": call.event_type,
        "requestId": ctx.request_id,
    }
    request, hidden_request = request_to_cf(call.request, call.event_type, call.origin, include_body)
    cf: dict[str, Any] = {"config": config, "request": request}
    sent = SentEvent(call.event_type, cf, call, include_body, hidden_request_headers=hidden_request)
    if call.event_type not in REQUEST_EVENTS and call.response is not None:
        cf["response"], sent.hidden_response_headers = response_to_cf(call.response)
    return sent


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
