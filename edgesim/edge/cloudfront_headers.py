"""The headers CloudFront itself writes, towards the viewer and towards the origin."""

from __future__ import annotations

import base64
import email.utils
import functools
import hashlib
import os

from edgesim.edge.model import Headers

# X-Cache and x-edge-result-type of a response edge code generated at viewer-request, by the
# kind of code (the association's): a CloudFront Function's or a Lambda@Edge function's.
GENERATED_AT_VIEWER_REQUEST = {"function": "FunctionGeneratedResponse", "lambda": "LambdaGeneratedResponse"}
# x-edge-detailed-result-type of a response an origin-request function generated on a miss
# (the result type stays what the cache lookup made it).
MISS_GENERATED_RESPONSE = "MissGeneratedResponse"

# Hop-by-hop fields (RFC 9110 §7.6.1) never cross the proxy in either direction.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)

# Viewer response fields CloudFront always drops (spec caching §5.1).
DROPPED_FROM_ORIGIN_RESPONSE = frozenset({"trailer", "upgrade"})


def new_request_id() -> str:
    """An `X-Amz-Cf-Id`: 42 random bytes in URL-safe base64, 56 characters ending in `==`."""
    return base64.urlsafe_b64encode(os.urandom(40)).decode()


@functools.lru_cache(maxsize=256)
def via_value(pop: str, http_version: str = "1.1") -> str:
    """`1.1 <32 hex>.cloudfront.net (CloudFront)`; the hex names the edge server, stable per POP."""
    server = hashlib.md5(pop.encode(), usedforsecurity=False).hexdigest()
    return f"{http_version} {server}.cloudfront.net (CloudFront)"


def x_cache(result: str) -> str:
    return f"{result} from cloudfront"


def with_generated_headers(headers: Headers, now: float) -> Headers:
    """`Server` and `Date` first on an answer generated at the edge, as CloudFront sends them:
    its own values unless the code set these headers itself."""
    first = [(name, headers.get(name, value)) for name, value in
             (("Server", "CloudFront"), ("Date", email.utils.formatdate(now, usegmt=True)))]
    return Headers([*first, *((n, v) for n, v in headers if n.lower() not in ("server", "date"))])


def strip_hop_by_hop(headers: Headers) -> Headers:
    """Drop hop-by-hop fields and any field the `Connection` header names."""
    named = {
        token.strip().lower()
        for value in headers.get_all("connection")
        for token in value.split(",")
        if token.strip()
    }
    return Headers((n, v) for n, v in headers if n.lower() not in HOP_BY_HOP and n.lower() not in named)


def add_viewer_response_headers(headers: Headers, *, result: str, pop: str, request_id: str, via: str) -> None:
    """Stamp CloudFront's own fields on a viewer response, replacing any the origin sent."""
    for name in ("X-Cache", "Via", "X-Amz-Cf-Pop", "X-Amz-Cf-Id"):
        headers.remove(name)
    headers.add("X-Cache", x_cache(result))
    headers.add("Via", via)
    headers.add("X-Amz-Cf-Pop", pop)
    headers.add("X-Amz-Cf-Id", request_id)
