"""The request CloudFront sends the origin for a viewer request (spec 3.3, 5.3, 9.5).

What the cache policy keys on always reaches the origin; the origin request policy adds
to it by the union/override table of spec 3.3. A few headers CloudFront owns (Host,
User-Agent, Accept-Encoding, X-Forwarded-For, CloudFront-*) are set here; the rest of the
viewer's headers reach the origin only when a policy selects them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edgesim.cache.params import cookie_pairs, normalized_accept_encoding, query_pairs
from edgesim.cache.policies import CachePolicy, OriginRequestPolicy, Selection
from edgesim.cache.viewer import ViewerInfo, cloudfront_header, is_cloudfront_header
from edgesim.edge.cloudfront_headers import strip_hop_by_hop
from edgesim.edge.model import EdgeRequest, Headers

# Never passed on as the viewer sent them, whatever a policy says: hop-by-hop and framing
# headers (the origin client frames the body itself), the headers CloudFront strips
# (spec 5.3), and Via / X-Forwarded-For, which are rebuilt below.
ALWAYS_STRIPPED = frozenset(
    h.lower()
    for h in (
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade", "Expect",
        "Proxy-Authenticate", "Proxy-Authorization", "Transfer-Encoding", "Content-Length",
        "X-Forwarded-Proto", "X-Real-IP", "Via", "X-Forwarded-For",
    )
)
ALWAYS_STRIPPED_PREFIXES = ("x-edge-", "x-amz-cf-")
# Forwarded without a policy naming them: the request body needs its type, and a range
# request must stay one (spec 5.3 suggestion; the policy pages leave this open).
ALWAYS_FORWARDED = frozenset({"content-type", "range", "if-range"})
# Viewer values CloudFront replaces by its own unless a policy forwards them.
OWNED = frozenset({"host", "user-agent", "accept-encoding", "cookie"})

USER_AGENT = "Amazon CloudFront"


@dataclass(frozen=True)
class OriginRequest:
    """Method, target and headers for the origin.

    The pipeline still adds `Connection: Keep-Alive` through its HTTP client and the
    conditional headers of a revalidation (`CacheEntry.validators()`).
    """

    method: str
    path: str
    querystring: str
    headers: Headers
    body: bytes = b""

    @property
    def target(self) -> str:
        return f"{self.path}?{self.querystring}" if self.querystring else self.path


def _combine(cache_sel: Selection, orp_sel: Selection | None, name: str) -> bool:
    """Spec 3.3's table: union of both policies, except that two block lists intersect."""
    in_cache = cache_sel.includes(name)
    if orp_sel is None:
        return in_cache
    if cache_sel.behavior == "allExcept" and orp_sel.behavior == "allExcept":
        return in_cache and orp_sel.includes(name)
    return in_cache or orp_sel.includes(name)


def forwards_cookies(cache: CachePolicy, orp: OriginRequestPolicy | None) -> bool:
    """True when any cookie can reach the origin: Set-Cookie is then kept, collapsing off."""
    return cache.cookies.behavior != "none" or (orp is not None and orp.cookies.behavior != "none")


def _header_selected(name: str, cache: CachePolicy, orp: OriginRequestPolicy | None) -> bool:
    lower = name.lower()
    if cache.headers.behavior == "whitelist" and lower in cache.headers.names:
        return True
    if orp is None:
        return False
    if orp.headers.behavior == "whitelist":
        # Authorization can only arrive by the cache key or an all-viewer-headers policy.
        return lower in orp.headers.names and lower != "authorization"
    return orp.headers.includes(lower)


def _requested_cloudfront_headers(cache: CachePolicy, orp: OriginRequestPolicy | None) -> list[str]:
    names = [n for n in cache.headers.items if is_cloudfront_header(n)] if cache.headers.behavior == "whitelist" else []
    if orp is not None and orp.headers.behavior in ("whitelist", "allViewerAndWhitelistCloudFront"):
        names += [n for n in orp.headers.items if is_cloudfront_header(n)]
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.lower(), name)
    return list(unique.values())


def origin_request_for(
    request: EdgeRequest,
    cache: CachePolicy,
    orp: OriginRequestPolicy | None,
    *,
    origin_domain: str,
    viewer: ViewerInfo,
    origin_path: str = "",
    origin_is_s3: bool = False,
    custom_headers: Sequence[tuple[str, str]] = (),
    request_id: str | None = None,
    via: str | None = None,
) -> OriginRequest:
    """The origin request for `request` under the behavior's policies.

    `custom_headers` (the origin's) overwrite viewer values; `request_id` becomes
    `X-Amz-Cf-Id` and `via` the `Via` value (`1.1 <hex>.cloudfront.net (CloudFront)`)
    when given, so the pipeline may add them here or itself.
    """
    out = Headers()
    custom = {n.lower() for n, _ in custom_headers}
    for name, value in strip_hop_by_hop(request.headers):
        lower = name.lower()
        if lower in ALWAYS_STRIPPED or lower.startswith(ALWAYS_STRIPPED_PREFIXES):
            continue
        if lower in OWNED or lower in custom or is_cloudfront_header(lower):
            continue
        if lower in ALWAYS_FORWARDED or _header_selected(lower, cache, orp):
            out.add(name, value)

    host_forwarded = not origin_is_s3 and _header_selected("host", cache, orp) and "host" in request.headers
    host = request.headers.get("Host") if host_forwarded else origin_domain
    out = Headers([("Host", host or origin_domain), *out.items()])

    if _header_selected("user-agent", cache, orp) and "user-agent" in request.headers:
        for value in request.headers.get_all("User-Agent"):
            out.add("User-Agent", value)
    else:
        out.add("User-Agent", USER_AGENT)

    if cache.normalizes_accept_encoding:
        ae = normalized_accept_encoding(
            request.headers, gzip=cache.gzip, brotli=cache.brotli, http_version=request.http_version
        )
        out.add("Accept-Encoding", ae or "identity")
    elif _header_selected("accept-encoding", cache, orp) and request.http_version != "1.0":
        for value in request.headers.get_all("Accept-Encoding"):
            out.add("Accept-Encoding", value)

    orp_cookies = orp.cookies if orp else None
    cookies = sorted(
        ((n, v) for n, v in cookie_pairs(request.headers) if _combine(cache.cookies, orp_cookies, n)),
        key=lambda p: p[0],
    )
    if cookies:
        out.add("Cookie", "; ".join(f"{n}={v}" for n, v in cookies))

    for name in _requested_cloudfront_headers(cache, orp):
        computed = cloudfront_header(name, viewer)
        if computed:
            out.add(*computed)

    viewer_xff = request.headers.get_all("X-Forwarded-For")
    # AWS documents `,` as the separator; captures of real origin requests show `, `.
    out.add("X-Forwarded-For", ", ".join([*viewer_xff, request.client_ip]))
    if via is not None:
        out.add("Via", via)
    if request_id is not None:
        out.add("X-Amz-Cf-Id", request_id)
    for name, value in custom_headers:
        out.set(name, value)

    orp_qs = orp.query_strings if orp else None
    querystring = "&".join(
        piece for name, piece in query_pairs(request.querystring) if _combine(cache.query_strings, orp_qs, name)
    )
    return OriginRequest(
        method=request.method,
        path=origin_path + request.uri,
        querystring=querystring,
        headers=out,
        body=request.body,
    )
