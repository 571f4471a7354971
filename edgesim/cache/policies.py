"""Cache, origin request and response headers policies: managed data plus a config's own.

The managed policies live as data in `policies/*.json` (the `list-*-policies --type
managed` API shape). Custom policies come from an `EdgeConfig` in the API's own shape;
`{Quantity, Items}` wrappers are optional there, because people write YAML by hand.
Everything downstream (cache key, forwarding, TTL, response headers) only sees the
typed, normalised objects defined here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from edgesim.config.model import CacheBehavior, EdgeConfig

MANAGED_DIR = Path(__file__).resolve().parents[2] / "policies"

# CloudFront-* headers a cache policy may not key on: origin request policies only.
ORP_ONLY_HEADERS = frozenset(
    {
        "cloudfront-viewer-address",
        "cloudfront-viewer-asn",
        "cloudfront-viewer-ja3-fingerprint",
        "cloudfront-viewer-tls",
    }
)
MAX_ITEMS = 10
MAX_NAMES_CHARS = 1024


class UnknownPolicy(KeyError):
    """No managed or custom policy has this Id or name."""


class PolicyConfigError(ValueError):
    """One or more custom policies break CloudFront's rules; `messages` name the field paths."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Selection:
    """Which headers, cookies or query strings a policy picks.

    `behavior` is the API's own word (none, whitelist, allExcept, all, allViewer,
    allViewerAndWhitelistCloudFront). `items` keep the case they were written in;
    header matching is case-insensitive, cookie and query string matching is not.
    """

    behavior: str = "none"
    items: tuple[str, ...] = ()
    case_sensitive: bool = True

    def _norm(self, name: str) -> str:
        return name if self.case_sensitive else name.lower()

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset(self._norm(i) for i in self.items)

    def includes(self, name: str) -> bool:
        """True when a viewer value of this name is picked (CloudFront-* headers aside)."""
        b = self.behavior
        if b in ("all", "allViewer", "allViewerAndWhitelistCloudFront"):
            return True
        if b == "whitelist":
            return self._norm(name) in self.names
        if b == "allExcept":
            return self._norm(name) not in self.names
        return False


@dataclass(frozen=True)
class CachePolicy:
    id: str
    name: str
    comment: str = ""
    min_ttl: int = 0
    default_ttl: int = 86400
    max_ttl: int = 31536000
    headers: Selection = field(default_factory=lambda: Selection(case_sensitive=False))
    cookies: Selection = field(default_factory=Selection)
    query_strings: Selection = field(default_factory=Selection)
    gzip: bool = False
    brotli: bool = False
    managed: bool = False

    @property
    def caching_disabled(self) -> bool:
        # MinTTL <= DefaultTTL <= MaxTTL, so MaxTTL 0 means all three are 0.
        return self.max_ttl == 0

    @property
    def normalizes_accept_encoding(self) -> bool:
        return (self.gzip or self.brotli) and "accept-encoding" not in self.headers.names


@dataclass(frozen=True)
class OriginRequestPolicy:
    id: str
    name: str
    comment: str = ""
    headers: Selection = field(default_factory=lambda: Selection(case_sensitive=False))
    cookies: Selection = field(default_factory=Selection)
    query_strings: Selection = field(default_factory=Selection)
    managed: bool = False


@dataclass(frozen=True)
class CorsConfig:
    allow_origins: tuple[str, ...]
    allow_headers: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_credentials: bool = False
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    origin_override: bool = False


@dataclass(frozen=True)
class PolicyHeader:
    """One header a response headers policy sets, and whether it beats the origin's."""

    name: str
    value: str
    override: bool


@dataclass(frozen=True)
class ResponseHeadersPolicy:
    id: str
    name: str
    comment: str = ""
    cors: CorsConfig | None = None
    security_headers: tuple[PolicyHeader, ...] = ()
    custom_headers: tuple[PolicyHeader, ...] = ()
    remove_headers: tuple[str, ...] = ()
    server_timing_enabled: bool = False
    server_timing_sampling_rate: float = 0.0
    managed: bool = False


@dataclass(frozen=True)
class BehaviorPolicies:
    """The three policies one cache behavior runs with (legacy settings already translated)."""

    cache: CachePolicy
    origin_request: OriginRequestPolicy | None = None
    response_headers: ResponseHeadersPolicy | None = None


# --- reading the API shape -------------------------------------------------------


def _items(value: Any) -> list[Any]:
    """Items of a `{Quantity, Items}` wrapper, or of a plain list written by hand."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return list(value.get("Items") or [])
    return list(value)


def _selection(block: Mapping[str, Any] | None, kind: str, *, case_sensitive: bool) -> Selection:
    block = block or {}
    plural = {"Header": "Headers", "Cookie": "Cookies", "QueryString": "QueryStrings"}[kind]
    return Selection(
        behavior=str(block.get(f"{kind}Behavior", "none")),
        items=tuple(str(i) for i in _items(block.get(plural))),
        case_sensitive=case_sensitive,
    )


def _unwrap(raw: Mapping[str, Any], config_key: str) -> Mapping[str, Any]:
    for outer in (config_key.removesuffix("Config"), None):
        node = raw.get(outer, raw) if outer else raw
        if isinstance(node, Mapping) and config_key in node:
            return node[config_key]
    return raw


def cache_policy_from_api(policy_id: str, raw: Mapping[str, Any], *, managed: bool = False) -> CachePolicy:
    cfg = _unwrap(raw, "CachePolicyConfig")
    params = cfg.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    return CachePolicy(
        id=policy_id,
        name=str(cfg.get("Name", policy_id)),
        comment=str(cfg.get("Comment", "")),
        min_ttl=int(cfg.get("MinTTL", 0)),
        default_ttl=int(cfg.get("DefaultTTL", 86400)),
        max_ttl=int(cfg.get("MaxTTL", 31536000)),
        headers=_selection(params.get("HeadersConfig"), "Header", case_sensitive=False),
        cookies=_selection(params.get("CookiesConfig"), "Cookie", case_sensitive=True),
        query_strings=_selection(params.get("QueryStringsConfig"), "QueryString", case_sensitive=True),
        gzip=bool(params.get("EnableAcceptEncodingGzip", False)),
        brotli=bool(params.get("EnableAcceptEncodingBrotli", False)),
        managed=managed,
    )


def origin_request_policy_from_api(
    policy_id: str, raw: Mapping[str, Any], *, managed: bool = False
) -> OriginRequestPolicy:
    cfg = _unwrap(raw, "OriginRequestPolicyConfig")
    return OriginRequestPolicy(
        id=policy_id,
        name=str(cfg.get("Name", policy_id)),
        comment=str(cfg.get("Comment", "")),
        headers=_selection(cfg.get("HeadersConfig"), "Header", case_sensitive=False),
        cookies=_selection(cfg.get("CookiesConfig"), "Cookie", case_sensitive=True),
        query_strings=_selection(cfg.get("QueryStringsConfig"), "QueryString", case_sensitive=True),
        managed=managed,
    )


def _security_headers(sec: Mapping[str, Any]) -> tuple[PolicyHeader, ...]:
    out: list[PolicyHeader] = []
    if (xss := sec.get("XSSProtection")) is not None:
        value = "1" if xss.get("Protection") else "0"
        if xss.get("Protection") and xss.get("ModeBlock"):
            value += "; mode=block"
        elif xss.get("Protection") and xss.get("ReportUri"):
            value += f"; report={xss['ReportUri']}"
        out.append(PolicyHeader("X-XSS-Protection", value, bool(xss.get("Override"))))
    if (fo := sec.get("FrameOptions")) is not None:
        out.append(PolicyHeader("X-Frame-Options", str(fo["FrameOption"]), bool(fo.get("Override"))))
    if (rp := sec.get("ReferrerPolicy")) is not None:
        out.append(PolicyHeader("Referrer-Policy", str(rp["ReferrerPolicy"]), bool(rp.get("Override"))))
    if (csp := sec.get("ContentSecurityPolicy")) is not None:
        out.append(
            PolicyHeader("Content-Security-Policy", str(csp["ContentSecurityPolicy"]), bool(csp.get("Override")))
        )
    if (cto := sec.get("ContentTypeOptions")) is not None:
        out.append(PolicyHeader("X-Content-Type-Options", "nosniff", bool(cto.get("Override"))))
    if (hsts := sec.get("StrictTransportSecurity")) is not None:
        value = f"max-age={int(hsts['AccessControlMaxAgeSec'])}"
        if hsts.get("IncludeSubdomains"):
            value += "; includeSubDomains"
        if hsts.get("Preload"):
            value += "; preload"
        out.append(PolicyHeader("Strict-Transport-Security", value, bool(hsts.get("Override"))))
    return tuple(out)


def response_headers_policy_from_api(
    policy_id: str, raw: Mapping[str, Any], *, managed: bool = False
) -> ResponseHeadersPolicy:
    cfg = _unwrap(raw, "ResponseHeadersPolicyConfig")
    cors = None
    if (c := cfg.get("CorsConfig")) is not None:
        max_age = c.get("AccessControlMaxAgeSec")
        cors = CorsConfig(
            allow_origins=tuple(_items(c.get("AccessControlAllowOrigins"))),
            allow_headers=tuple(_items(c.get("AccessControlAllowHeaders"))),
            allow_methods=tuple(_items(c.get("AccessControlAllowMethods"))),
            allow_credentials=bool(c.get("AccessControlAllowCredentials", False)),
            expose_headers=tuple(_items(c.get("AccessControlExposeHeaders"))),
            max_age=None if max_age is None else int(max_age),
            origin_override=bool(c.get("OriginOverride", False)),
        )
    timing = cfg.get("ServerTimingHeadersConfig") or {}
    return ResponseHeadersPolicy(
        id=policy_id,
        name=str(cfg.get("Name", policy_id)),
        comment=str(cfg.get("Comment", "")),
        cors=cors,
        security_headers=_security_headers(cfg.get("SecurityHeadersConfig") or {}),
        custom_headers=tuple(
            PolicyHeader(str(h["Header"]), str(h["Value"]), bool(h.get("Override")))
            for h in _items(cfg.get("CustomHeadersConfig"))
        ),
        remove_headers=tuple(str(h["Header"]) for h in _items(cfg.get("RemoveHeadersConfig"))),
        server_timing_enabled=bool(timing.get("Enabled", False)),
        server_timing_sampling_rate=float(timing.get("SamplingRate", 0)),
        managed=managed,
    )


# --- validation of custom policies (spec 3.1, 3.3, 3.5) --------------------------


def _check_items(items: list[Any], path: str, errors: list[str]) -> None:
    if len(items) > MAX_ITEMS:
        errors.append(f"{path}: {len(items)} items, at most {MAX_ITEMS} allowed")


def _named_config(raw: Mapping[str, Any], key: str, path: str) -> tuple[Mapping[str, Any], str, list[str]]:
    """The policy's settings (wrapper optional), their field path, and the Name check every kind shares."""
    cfg = _unwrap(raw, key)
    if cfg is not raw:
        path = f"{path}.{key}"
    errors = [] if cfg.get("Name") else [f"{path}.Name: required"]
    return cfg, path, errors


def validate_cache_policy_config(raw: Mapping[str, Any], path: str) -> list[str]:
    """Messages for every rule this cache policy breaks, each naming its field path."""
    cfg, path, errors = _named_config(raw, "CachePolicyConfig", path)
    ttls = {k: cfg.get(k) for k in ("MinTTL", "DefaultTTL", "MaxTTL")}
    for k, v in ttls.items():
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
            errors.append(f"{path}.{k}: must be a whole number of seconds >= 0, got {v!r}")
    if errors:
        return errors
    policy = cache_policy_from_api("", cfg)
    if cfg.get("MinTTL") is None:
        errors.append(f"{path}.MinTTL: required")
    if not policy.min_ttl <= policy.default_ttl:
        errors.append(f"{path}.DefaultTTL: {policy.default_ttl} is below MinTTL {policy.min_ttl}")
    if not policy.default_ttl <= policy.max_ttl:
        errors.append(f"{path}.MaxTTL: {policy.max_ttl} is below DefaultTTL {policy.default_ttl}")
    p = f"{path}.ParametersInCacheKeyAndForwardedToOrigin"
    params = cfg.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    sections = (
        ("HeadersConfig", "HeaderBehavior", "Headers", policy.headers, {"none", "whitelist"}),
        ("CookiesConfig", "CookieBehavior", "Cookies", policy.cookies, {"none", "whitelist", "allExcept", "all"}),
        (
            "QueryStringsConfig",
            "QueryStringBehavior",
            "QueryStrings",
            policy.query_strings,
            {"none", "whitelist", "allExcept", "all"},
        ),
    )
    total_chars = 0
    for section, behavior_key, list_key, sel, allowed in sections:
        if sel.behavior not in allowed:
            errors.append(f"{p}.{section}.{behavior_key}: {sel.behavior!r} is not one of {sorted(allowed)}")
        _check_items(_items((params.get(section) or {}).get(list_key)), f"{p}.{section}.{list_key}", errors)
        total_chars += sum(len(i) for i in sel.items)
        if policy.caching_disabled and sel.behavior != "none":
            errors.append(
                f"{p}.{section}.{behavior_key}: must be 'none' for a policy with caching disabled (all TTLs 0)"
            )
    if total_chars > MAX_NAMES_CHARS:
        errors.append(f"{p}: header, cookie and query string names total {total_chars} chars, at most 1024")
    for flag in ("EnableAcceptEncodingGzip", "EnableAcceptEncodingBrotli"):
        if policy.caching_disabled and params.get(flag):
            errors.append(f"{p}.{flag}: invalid for policy with caching disabled")
    header_names = policy.headers.names
    if (policy.gzip or policy.brotli) and "accept-encoding" in header_names:
        errors.append(
            f"{p}.HeadersConfig.Headers: Accept-Encoding may not be listed when "
            "EnableAcceptEncodingGzip or EnableAcceptEncodingBrotli is true"
        )
    for name in sorted(header_names & ORP_ONLY_HEADERS):
        errors.append(f"{p}.HeadersConfig.Headers: {name} is allowed only in origin request policies")
    return errors


def validate_origin_request_policy_config(raw: Mapping[str, Any], path: str) -> list[str]:
    """Messages for every rule this origin request policy breaks, each naming its field path."""
    cfg, path, errors = _named_config(raw, "OriginRequestPolicyConfig", path)
    policy = origin_request_policy_from_api("", cfg)
    sections = (
        (
            "HeadersConfig",
            "HeaderBehavior",
            "Headers",
            policy.headers,
            {"none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept"},
        ),
        ("CookiesConfig", "CookieBehavior", "Cookies", policy.cookies, {"none", "whitelist", "allExcept", "all"}),
        (
            "QueryStringsConfig",
            "QueryStringBehavior",
            "QueryStrings",
            policy.query_strings,
            {"none", "whitelist", "allExcept", "all"},
        ),
    )
    for section, behavior_key, list_key, sel, allowed in sections:
        if sel.behavior not in allowed:
            errors.append(f"{path}.{section}.{behavior_key}: {sel.behavior!r} is not one of {sorted(allowed)}")
        _check_items(_items((cfg.get(section) or {}).get(list_key)), f"{path}.{section}.{list_key}", errors)
    headers_path = f"{path}.HeadersConfig.Headers"
    if policy.headers.behavior == "whitelist" and "authorization" in policy.headers.names:
        errors.append(
            f"{headers_path}: Authorization cannot be named in an origin request policy; "
            "key on it in the cache policy or forward all viewer headers"
        )
    if policy.headers.behavior == "allViewerAndWhitelistCloudFront":
        for name in policy.headers.items:
            if not name.lower().startswith("cloudfront-"):
                errors.append(f"{headers_path}: {name} is not a CloudFront-* header (allViewerAndWhitelistCloudFront)")
    return errors


UNREMOVABLE_HEADERS = frozenset(
    h.lower()
    for h in (
        "Connection", "Content-Encoding", "Content-Length", "Expect", "Host", "Keep-Alive",
        "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Trailer",
        "Transfer-Encoding", "Upgrade", "Via", "Warning", "X-Accel-Buffering", "X-Accel-Charset",
        "X-Accel-Limit-Rate", "X-Accel-Redirect", "X-Amzn-Auth", "X-Amzn-Cf-Billing", "X-Amzn-Cf-Id",
        "X-Amzn-Cf-Xff", "X-Amzn-ErrorType", "X-Amzn-Fle-Profile", "X-Amzn-Header-Count",
        "X-Amzn-Header-Order", "X-Amzn-Lambda-Integration-Tag", "X-Amzn-RequestId", "X-Cache",
        "X-Forwarded-Proto", "X-Real-Ip",
    )
)
UNREMOVABLE_PREFIXES = ("x-amz-cf-", "x-edge-")


def is_unremovable(name: str) -> bool:
    lower = name.lower()
    return lower in UNREMOVABLE_HEADERS or lower.startswith(UNREMOVABLE_PREFIXES)


def validate_response_headers_policy_config(raw: Mapping[str, Any], path: str) -> list[str]:
    """Messages for the rules of spec 3.5 this response headers policy breaks."""
    cfg, path, errors = _named_config(raw, "ResponseHeadersPolicyConfig", path)
    for i, item in enumerate(_items(cfg.get("RemoveHeadersConfig"))):
        if is_unremovable(str(item.get("Header", ""))):
            errors.append(f"{path}.RemoveHeadersConfig.Items[{i}].Header: {item['Header']} cannot be removed")
    cors = cfg.get("CorsConfig") or {}
    for i, origin in enumerate(_items(cors.get("AccessControlAllowOrigins"))):
        host = str(origin).split("://", 1)[-1]
        if "*" in host and host != "*" and not (host.startswith("*.") and "*" not in host[2:]):
            errors.append(
                f"{path}.CorsConfig.AccessControlAllowOrigins.Items[{i}]: {origin!r}: "
                "only '*' or a leftmost-label wildcard such as '*.example.org' is allowed"
            )
    xss = (cfg.get("SecurityHeadersConfig") or {}).get("XSSProtection") or {}
    if xss.get("ModeBlock") and xss.get("ReportUri"):
        errors.append(f"{path}.SecurityHeadersConfig.XSSProtection: ModeBlock and ReportUri cannot both be set")
    timing = cfg.get("ServerTimingHeadersConfig") or {}
    rate = timing.get("SamplingRate", 0)
    if not 0 <= float(rate) <= 100:
        errors.append(f"{path}.ServerTimingHeadersConfig.SamplingRate: {rate} is outside 0-100")
    return errors


# --- legacy ForwardedValues -------------------------------------------------------


def legacy_policies(behavior: CacheBehavior) -> tuple[CachePolicy, OriginRequestPolicy | None]:
    """The cache and origin request settings a legacy `ForwardedValues` behavior amounts to.

    Legacy behaviors key on everything they forward, except that `QueryStringCacheKeys`
    narrows the key while all query strings still reach the origin, and forwarding all
    headers (`*`) turns caching off. With `Compress`, CloudFront normalises
    Accept-Encoding as the gzip and Brotli flags do (assumption: the legacy pages only
    say compression needs Accept-Encoding, not how it is keyed).
    """
    fv = behavior.forwarded_values or {}
    headers = [str(h) for h in _items(fv.get("Headers"))]
    cookies = fv.get("Cookies") or {}
    cookie_forward = str(cookies.get("Forward", "none"))
    cookie_names = tuple(str(c) for c in _items(cookies.get("WhitelistedNames")))
    qs_forward = bool(fv.get("QueryString", False))
    qs_keys = tuple(str(q) for q in _items(fv.get("QueryStringCacheKeys")))
    pid = f"legacy:{behavior.field_path}"
    all_headers = "*" in headers

    cookie_sel = Selection(cookie_forward if cookie_forward in ("all", "whitelist") else "none", cookie_names)
    if not qs_forward:
        qs_key, qs_origin = Selection(), None
    elif qs_keys:
        qs_key, qs_origin = Selection("whitelist", qs_keys), Selection("all")
    else:
        qs_key, qs_origin = Selection("all"), None
    header_sel = Selection("whitelist" if headers else "none", tuple(headers), case_sensitive=False)
    compress = behavior.compress and "accept-encoding" not in header_sel.names

    if all_headers:
        cache = CachePolicy(id=pid, name="legacy ForwardedValues", min_ttl=0, default_ttl=0, max_ttl=0)
        orp = OriginRequestPolicy(
            id=pid,
            name="legacy ForwardedValues",
            headers=Selection("allViewer", case_sensitive=False),
            cookies=cookie_sel,
            query_strings=Selection("all") if qs_forward else Selection(),
        )
        return cache, orp
    cache = CachePolicy(
        id=pid,
        name="legacy ForwardedValues",
        min_ttl=behavior.min_ttl,
        default_ttl=behavior.default_ttl,
        max_ttl=behavior.max_ttl,
        headers=header_sel,
        cookies=cookie_sel,
        query_strings=qs_key,
        gzip=compress,
        brotli=compress,
    )
    orp = None
    if qs_origin is not None:
        orp = OriginRequestPolicy(id=pid, name="legacy ForwardedValues", query_strings=qs_origin)
    return cache, orp


# --- the catalog -------------------------------------------------------------------


@lru_cache(maxsize=4)
def _managed_raw(directory: Path) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for kind, filename, list_key in (
        ("CachePolicy", "cache-policies.json", "CachePolicyList"),
        ("OriginRequestPolicy", "origin-request-policies.json", "OriginRequestPolicyList"),
        ("ResponseHeadersPolicy", "response-headers-policies.json", "ResponseHeadersPolicyList"),
    ):
        data = json.loads((directory / filename).read_text())
        out[kind] = [item[kind] for item in _items(data[list_key])]
    return out


def _bare(name: str) -> str:
    return name.removeprefix("Managed-")


class _Index:
    """Policies of one kind, found by Id, by API name, or by name without `Managed-`."""

    def __init__(self) -> None:
        self.by_id: dict[str, Any] = {}
        self.by_name: dict[str, Any] = {}

    def add(self, policy: Any) -> None:
        self.by_id[policy.id] = policy
        self.by_name[policy.name] = policy
        self.by_name.setdefault(_bare(policy.name), policy)
        if policy.managed:
            self.by_name.setdefault(f"Managed-{policy.name}", policy)

    def get(self, ref: str, kind: str) -> Any:
        found = self.by_id.get(ref) or self.by_name.get(ref) or self.by_name.get(_bare(ref))
        if found is None:
            raise UnknownPolicy(f"no {kind} with Id or name {ref!r}")
        return found

    def __iter__(self) -> Iterator[Any]:
        return iter(self.by_id.values())


class PolicyCatalog:
    """Every policy a distribution can name: AWS's managed ones and the config's custom ones."""

    def __init__(self) -> None:
        self._cache = _Index()
        self._origin = _Index()
        self._response = _Index()

    @classmethod
    def from_config(cls, config: EdgeConfig | None = None, *, managed_dir: Path = MANAGED_DIR) -> PolicyCatalog:
        """Build the catalog; raises `PolicyConfigError` listing every invalid custom policy field."""
        catalog = cls()
        raw = _managed_raw(managed_dir)
        for item in raw["CachePolicy"]:
            catalog._cache.add(cache_policy_from_api(item["Id"], item, managed=True))
        for item in raw["OriginRequestPolicy"]:
            catalog._origin.add(origin_request_policy_from_api(item["Id"], item, managed=True))
        for item in raw["ResponseHeadersPolicy"]:
            catalog._response.add(response_headers_policy_from_api(item["Id"], item, managed=True))
        if config is None:
            return catalog
        errors = validate_custom_policies(config)
        if errors:
            raise PolicyConfigError(errors)
        for pid, body in config.cache_policies.items():
            catalog._cache.add(cache_policy_from_api(pid, body))
        for pid, body in config.origin_request_policies.items():
            catalog._origin.add(origin_request_policy_from_api(pid, body))
        for pid, body in config.response_headers_policies.items():
            catalog._response.add(response_headers_policy_from_api(pid, body))
        return catalog

    def cache_policy(self, ref: str) -> CachePolicy:
        return self._cache.get(ref, "cache policy")

    def origin_request_policy(self, ref: str) -> OriginRequestPolicy:
        return self._origin.get(ref, "origin request policy")

    def response_headers_policy(self, ref: str) -> ResponseHeadersPolicy:
        return self._response.get(ref, "response headers policy")

    def cache_policies(self) -> list[CachePolicy]:
        return list(self._cache)

    def origin_request_policies(self) -> list[OriginRequestPolicy]:
        return list(self._origin)

    def response_headers_policies(self) -> list[ResponseHeadersPolicy]:
        return list(self._response)

    def for_behavior(self, behavior: CacheBehavior) -> BehaviorPolicies:
        """The policies a behavior runs with; legacy ForwardedValues become equivalent policies."""
        rhp = (
            self.response_headers_policy(behavior.response_headers_policy_id)
            if behavior.response_headers_policy_id
            else None
        )
        if behavior.cache_policy_id:
            orp = (
                self.origin_request_policy(behavior.origin_request_policy_id)
                if behavior.origin_request_policy_id
                else None
            )
            return BehaviorPolicies(self.cache_policy(behavior.cache_policy_id), orp, rhp)
        cache, orp = legacy_policies(behavior)
        return BehaviorPolicies(cache, orp, rhp)


def validate_custom_policies(config: EdgeConfig) -> list[str]:
    """Every rule broken by the config's custom policies, for the loader to report at once."""
    errors: list[str] = []
    for pid, body in config.cache_policies.items():
        errors += validate_cache_policy_config(body, f"CachePolicies.{pid}")
    for pid, body in config.origin_request_policies.items():
        errors += validate_origin_request_policy_config(body, f"OriginRequestPolicies.{pid}")
    for pid, body in config.response_headers_policies.items():
        errors += validate_response_headers_policy_config(body, f"ResponseHeadersPolicies.{pid}")
    return errors
