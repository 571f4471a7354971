"""Apply a response headers policy to a response on its way to the viewer (spec 3.5).

Order is CloudFront's: remove first, then add (CORS, security, custom), each added
header honouring its Override flag. The policy never changes CloudFront's own TTL: this
runs after the response was cached.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from edgesim.cache.policies import CorsConfig, PolicyHeader, ResponseHeadersPolicy, is_unremovable
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


@dataclass(frozen=True)
class PolicyResult:
    """The response with the policy applied, and whether the caller owes a Server-Timing header."""

    response: EdgeResponse
    server_timing: bool = False


def _origin_parts(origin: str) -> tuple[str, str]:
    parts = urlsplit(origin)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return parts.scheme.lower(), host.lower()


def origin_allowed(origin: str, allowed: tuple[str, ...]) -> bool:
    """Does the request's `Origin` match the policy's list?

    Items may carry a scheme (`https://app.example.org`) or not; `*.example.org` matches
    one leftmost label (`https://a.example.org`, not `https://example.org`). Whether
    CloudFront lets the wildcard span several labels is not documented.
    """
    scheme, host = _origin_parts(origin)
    for pattern in allowed:
        if pattern == "*":
            return True
        if "://" in pattern:
            want_scheme, _, want_host = pattern.lower().partition("://")
            if want_scheme != scheme:
                continue
        else:
            want_host = pattern.lower()
        if want_host.startswith("*."):
            label, _, rest = host.partition(".")
            if label and rest == want_host[2:]:
                return True
        elif want_host == host:
            return True
    return False


def _cors_headers(cors: CorsConfig, request: EdgeRequest) -> list[PolicyHeader]:
    origin = request.headers.get("Origin")
    # CloudFront documents the CORS headers as answers to CORS requests, which carry Origin.
    if origin is None or not origin_allowed(origin, cors.allow_origins):
        return []
    override = cors.origin_override
    out: list[PolicyHeader] = []
    allow_origin = "*" if "*" in cors.allow_origins and not cors.allow_credentials else origin
    out.append(PolicyHeader("Access-Control-Allow-Origin", allow_origin, override))
    if cors.allow_credentials:
        out.append(PolicyHeader("Access-Control-Allow-Credentials", "true", override))
    if cors.expose_headers:
        out.append(PolicyHeader("Access-Control-Expose-Headers", ", ".join(cors.expose_headers), override))
    preflight = request.method.upper() == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    if preflight:
        methods = ALL_METHODS if "ALL" in cors.allow_methods else cors.allow_methods
        if methods:
            out.append(PolicyHeader("Access-Control-Allow-Methods", ", ".join(methods), override))
        if cors.allow_headers:
            out.append(PolicyHeader("Access-Control-Allow-Headers", ", ".join(cors.allow_headers), override))
        if cors.max_age is not None:
            out.append(PolicyHeader("Access-Control-Max-Age", str(cors.max_age), override))
    return out


def _add(headers: Headers, header: PolicyHeader) -> None:
    if header.override or header.name not in headers:
        headers.set(header.name, header.value)


def apply_response_headers_policy(
    policy: ResponseHeadersPolicy,
    request: EdgeRequest,
    response: EdgeResponse,
    *,
    now: float,
    rng: Callable[[], float] = random.random,
) -> PolicyResult:
    """A copy of `response` with `policy` applied for `request`.

    `now` (epoch seconds) dates the `Date` CloudFront adds when the policy removes the
    origin's; `rng` decides Server-Timing sampling, and a viewer's
    `Pragma: server-timing` always asks for it.
    """
    headers = response.headers.copy()
    for name in policy.remove_headers:
        if is_unremovable(name):
            continue
        if name.lower() == "server" and "server" in headers:
            headers.set("Server", "CloudFront")
        elif name.lower() == "date" and "date" in headers:
            headers.set("Date", email.utils.formatdate(now, usegmt=True))
        else:
            headers.remove(name)
    if policy.cors is not None:
        for header in _cors_headers(policy.cors, request):
            _add(headers, header)
    for header in (*policy.security_headers, *policy.custom_headers):
        _add(headers, header)
    timing = False
    if policy.server_timing_enabled:
        pragma = ",".join(request.headers.get_all("Pragma")).lower()
        timing = "server-timing" in pragma or rng() * 100 < policy.server_timing_sampling_rate
    return PolicyResult(replace(response, headers=headers), timing)
