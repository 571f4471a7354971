"""The request CloudFront sends to an origin (spec caching §5.3 and §9.5).

Which viewer values reach the origin is the policies' business (`viewer_values_for`);
what CloudFront always adds or replaces is here: Host, User-Agent, X-Forwarded-For, Via,
X-Amz-Cf-Id, the origin's custom headers and its OriginPath.
"""

from __future__ import annotations

from edgesim.config.model import CacheBehavior, Origin
from edgesim.edge.cloudfront_headers import HOP_BY_HOP, strip_hop_by_hop
from edgesim.edge.header_rules import is_disallowed
from edgesim.edge.model import EdgeRequest, Headers
from edgesim.edge.origin_client import OriginRequest

# Viewer headers CloudFront never passes on, whatever the policies say.
ALWAYS_STRIPPED = frozenset({"expect", "x-forwarded-proto", "x-real-ip", "proxy-authorization", "proxy-authenticate"})
# Replaced by CloudFront's own values below.
REPLACED = frozenset({"x-forwarded-for", "via", "x-amz-cf-id"})


def viewer_values_for(request: EdgeRequest, behavior: CacheBehavior) -> tuple[Headers, str, set[str]]:
    """Viewer headers and query string that reach the origin, and the lower-case names forwarded by policy.

    Without cache and origin request policies loaded, every viewer header except the ones
    CloudFront always strips or replaces (Host, User-Agent) is forwarded, and so is the
    whole query string.
    """
    viewer = strip_hop_by_hop(request.headers)
    headers = Headers((n, v) for n, v in viewer if _passes(n) and n.lower() not in ("host", "user-agent"))
    return headers, request.querystring, {n.lower() for n, _ in headers}


def _passes(name: str) -> bool:
    lower = name.lower()
    return not (lower in HOP_BY_HOP or lower in ALWAYS_STRIPPED or lower in REPLACED or is_disallowed(lower))


def build_origin_request(
    request: EdgeRequest, origin: Origin, behavior: CacheBehavior, *, request_id: str, via: str
) -> OriginRequest:
    headers, querystring, forwarded = viewer_values_for(request, behavior)
    if "host" not in forwarded:
        headers.set("Host", origin.domain_name)
    if "user-agent" not in forwarded:
        headers.set("User-Agent", "Amazon CloudFront")
    viewer_xff = ", ".join(request.headers.get_all("x-forwarded-for"))
    headers.set("X-Forwarded-For", f"{viewer_xff}, {request.client_ip}" if viewer_xff else request.client_ip)
    viewer_via = ", ".join(request.headers.get_all("via"))
    headers.set("Via", f"{viewer_via}, {via}" if viewer_via else via)
    headers.set("X-Amz-Cf-Id", request_id)
    for name, value in origin.custom_headers:
        headers.set(name, value)
    path = origin.origin_path + request.uri
    target = f"{path}?{querystring}" if querystring else path
    return OriginRequest(method=request.method, target=target, headers=headers, body=request.body)
