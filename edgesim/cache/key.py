"""The cache key CloudFront builds for a request under a cache policy (spec 3.1, 9.4)."""

from __future__ import annotations

from dataclasses import dataclass

from edgesim.cache.params import cookie_pairs, normalized_accept_encoding, select_cookies, select_query
from edgesim.cache.policies import CachePolicy
from edgesim.cache.viewer import ViewerInfo, cloudfront_header, is_cloudfront_header
from edgesim.edge.model import EdgeRequest


@dataclass(frozen=True)
class CacheKey:
    """Everything two requests must share to share a cached object.

    `host` is the distribution's domain unless the policy keys on `Host`; `method` is
    set only for OPTIONS (GET and HEAD share objects). Header names are lower-case and
    sorted (request header order does not matter); a header the viewer did not send is
    `None`, which differs from an empty value.
    """

    host: str
    path: str
    query: str = ""
    method: str = ""
    headers: tuple[tuple[str, str | None], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    accept_encoding: str | None = None

    @property
    def invalidation_path(self) -> str:
        """Path plus query string: the string CloudFront's invalidation paths match (spec 6.6)."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def __str__(self) -> str:
        parts = [f"{self.method + ' ' if self.method else ''}{self.host}{self.invalidation_path}"]
        parts += [f"{n}={v}" if v is not None else f"{n}(absent)" for n, v in self.headers]
        if self.cookies:
            parts.append("cookies:" + ";".join(f"{n}={v}" for n, v in self.cookies))
        if self.accept_encoding:
            parts.append(f"ae={self.accept_encoding}")
        return " | ".join(parts)


def cache_key_for(
    request: EdgeRequest,
    policy: CachePolicy,
    distribution_domain: str,
    viewer: ViewerInfo | None = None,
) -> CacheKey:
    """The key of `request` under `policy`.

    Call it only for a cacheable method (GET, HEAD, and OPTIONS when the behavior caches
    it). `viewer` supplies CloudFront-* header values when the policy keys on them;
    without it they are absent from the key.
    """
    headers: list[tuple[str, str | None]] = []
    host = distribution_domain
    if policy.headers.behavior == "whitelist":
        for name in sorted(policy.headers.names):
            if name == "host":
                host = request.headers.get("Host") or distribution_domain
                continue
            if is_cloudfront_header(name):
                computed = cloudfront_header(name, viewer) if viewer else None
                headers.append((name, computed[1] if computed else None))
                continue
            values = request.headers.get_all(name)
            headers.append((name, ",".join(values) if values else None))
    cookies: tuple[tuple[str, str], ...] = ()
    if policy.cookies.behavior != "none":
        cookies = tuple(select_cookies(cookie_pairs(request.headers), policy.cookies))
    accept_encoding = None
    if policy.normalizes_accept_encoding:
        accept_encoding = normalized_accept_encoding(
            request.headers, gzip=policy.gzip, brotli=policy.brotli, http_version=request.http_version
        )
    return CacheKey(
        host=host,
        path=request.uri,
        query=select_query(request.querystring, policy.query_strings),
        method="OPTIONS" if request.method.upper() == "OPTIONS" else "",
        headers=tuple(headers),
        cookies=cookies,
        accept_encoding=accept_encoding,
    )
