"""How long CloudFront keeps a response (spec 4.1-4.5).

One pure function, `cache_decision`, turns a response's status and headers plus the
behavior's TTL settings into what the cache tier does with it. Viewer `Cache-Control`
and `Pragma` never reach this module: CloudFront ignores them.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from dataclasses import dataclass, replace

from edgesim.cache.policies import CachePolicy
from edgesim.edge.model import Headers

MAX_AGE_LIMIT = 100 * 365 * 24 * 3600  # CloudFront supports max-age up to 100 years
DEFAULT_ERROR_CACHING_MIN_TTL = 10

# Spec 4.5: AWS publishes no complete list; these behave as cacheable.
CACHEABLE_SUCCESS = frozenset({200, 203, 206, 300, 301, 302, 307, 308, 410})
# Spec 4.4: errors cached whatever the headers say, and those cached only with max-age/s-maxage.
ERRORS_ALWAYS_CACHED = frozenset({404, 414, 500, 501, 502, 503, 504})
ERRORS_CACHED_WITH_MAX_AGE = frozenset({400, 403, 405, 412, 415})
NEVER_CACHED = frozenset({416})


@dataclass(frozen=True)
class CacheControl:
    """Response `Cache-Control` directives, lower-cased; a repeated directive keeps its first value."""

    directives: dict[str, str | None]

    def seconds(self, name: str) -> int | None:
        """A delta-seconds directive, or None when absent or not a number."""
        raw = self.directives.get(name)
        if raw is None:
            return None
        try:
            value = int(raw.strip().strip('"'))
        except ValueError:
            return None
        return max(0, min(value, MAX_AGE_LIMIT))

    def has(self, name: str) -> bool:
        return name in self.directives

    @property
    def no_cache_fields(self) -> frozenset[str]:
        """Header names of `no-cache="Set-Cookie"`-style directives, lower-cased."""
        raw = self.directives.get("no-cache")
        if not raw:
            return frozenset()
        return frozenset(f.strip().lower() for f in raw.strip('"').split(",") if f.strip())

    @property
    def forbids_caching(self) -> bool:
        """`no-store`, `private` or a bare `no-cache` (a field-scoped no-cache caches the body)."""
        bare_no_cache = self.has("no-cache") and not self.no_cache_fields
        return self.has("no-store") or self.has("private") or bare_no_cache


def _split_directives(value: str) -> Iterable[str]:
    """Split on commas outside quotes: `no-cache="Set-Cookie, X-Foo"` is one directive."""
    current, quoted = [], False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            yield "".join(current)
            current = []
        else:
            current.append(ch)
    yield "".join(current)


def parse_cache_control(values: Iterable[str]) -> CacheControl:
    """Parse every `Cache-Control` field value; junk directives are kept but mean nothing."""
    directives: dict[str, str | None] = {}
    for value in values:
        for part in _split_directives(value):
            name, eq, arg = part.strip().partition("=")
            name = name.strip().lower()
            if name and name not in directives:
                directives[name] = arg.strip() if eq else None
    return CacheControl(directives)


def expires_in(headers: Headers, now: float) -> int | None:
    """Seconds until `Expires`; an unparseable date means already expired (RFC 9111 5.3)."""
    raw = headers.get("Expires")
    if raw is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return 0
    if when.tzinfo is None:
        return 0
    return max(0, min(int(when.timestamp() - now), MAX_AGE_LIMIT))


def is_cached_method(method: str, cached_methods: Iterable[str] = ("GET", "HEAD")) -> bool:
    """GET and HEAD always; OPTIONS only when the behavior caches it; never the others."""
    method = method.upper()
    return method in ("GET", "HEAD") or (method == "OPTIONS" and "OPTIONS" in set(cached_methods))


@dataclass(frozen=True)
class CacheDecision:
    """What to do with one origin response.

    `ttl` is the fresh lifetime in seconds (0 with `store` means "keep, but revalidate
    every time": the copy is still served if the origin later fails, spec 4.2).
    `stale_if_error` is None when the origin said nothing: the 4.4 rule (serve stale on
    5xx for the error caching TTL) applies then. `conditional` is False for `Vary: *`
    with MinTTL 0, whose revalidations carry no validators.
    """

    store: bool
    ttl: int = 0
    stale_while_revalidate: int = 0
    stale_if_error: int | None = None
    strip_set_cookie: bool = False
    conditional: bool = True
    reason: str = ""


def _header_ttl(cc: CacheControl, headers: Headers, now: float) -> int | None:
    for directive in ("s-maxage", "max-age"):
        if (value := cc.seconds(directive)) is not None:
            return value
    return expires_in(headers, now)


def cache_decision(
    status: int,
    headers: Headers,
    policy: CachePolicy,
    *,
    now: float,
    error_caching_min_ttl: int | None = None,
) -> CacheDecision:
    """Whether and how long to cache a response under `policy`'s Min/Default/MaxTTL.

    `error_caching_min_ttl` comes from the distribution's custom error response for
    this status, if any; CloudFront's default is 10 seconds.
    """
    lo, default, hi = policy.min_ttl, policy.default_ttl, policy.max_ttl
    cc = parse_cache_control(headers.get_all("Cache-Control"))
    strip_set_cookie = "set-cookie" in cc.no_cache_fields
    sie = cc.seconds("stale-if-error")
    base = CacheDecision(
        store=False,
        stale_while_revalidate=min(cc.seconds("stale-while-revalidate") or 0, hi),
        stale_if_error=None if sie is None else min(sie, hi),
        strip_set_cookie=strip_set_cookie,
    )

    if status in NEVER_CACHED:
        return replace(base, reason=f"{status} is never cached")
    if hi == 0:
        return replace(base, reason="caching disabled (MaxTTL 0)")

    if status in ERRORS_ALWAYS_CACHED or status in ERRORS_CACHED_WITH_MAX_AGE:
        if status in ERRORS_CACHED_WITH_MAX_AGE and not (cc.has("max-age") or cc.has("s-maxage")):
            return replace(base, reason=f"{status} is cached only with max-age or s-maxage")
        floor = DEFAULT_ERROR_CACHING_MIN_TTL if error_caching_min_ttl is None else error_caching_min_ttl
        header = _header_ttl(cc, headers, now)
        ttl = max(floor, min(header, hi)) if header is not None else floor
        return replace(base, store=True, ttl=ttl, reason=f"error {status}: max(ErrorCachingMinTTL, header TTL)")
    if status not in CACHEABLE_SUCCESS:
        return replace(base, reason=f"{status} is not a cacheable status")

    if cc.forbids_caching:
        if lo > 0:
            return replace(base, store=True, ttl=lo, reason="MinTTL > 0 overrides no-cache/no-store/private")
        return replace(
            base, store=True, ttl=0, reason="no-cache/no-store/private with MinTTL 0: kept only as a stale copy"
        )
    header = _header_ttl(cc, headers, now)
    if header is not None:
        ttl, reason = max(lo, min(header, hi)), "header TTL clamped to [MinTTL, MaxTTL]"
    else:
        ttl, reason = max(lo, default), "no cache headers: DefaultTTL"
    vary = {v.strip() for value in headers.get_all("Vary") for v in value.split(",")}
    if "*" in vary and lo == 0:
        return replace(base, store=True, ttl=0, conditional=False, reason="Vary: * with MinTTL 0")
    return replace(base, store=True, ttl=ttl, reason=reason)
