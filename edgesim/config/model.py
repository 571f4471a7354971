"""A loaded, validated distribution: what the edge runs.

These types hold CloudFront's settings under Python names; the loader (`config.load`)
builds them from the API's own JSON/YAML shape and keeps the field path of each part so
that later checks can still name where in the file a problem lives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

EVENT_TYPES = ("viewer-request", "origin-request", "origin-response", "viewer-response")


@dataclass(frozen=True)
class Origin:
    """A custom or S3 origin.

    `url_override` is where edgesim really sends the request (from `--origin ID=URL` or
    `Edgesim.Origins`); CloudFront's own fields (domain, Host header, path) still apply.
    `s3_region` is the region a Lambda@Edge function set on an S3 origin; None means the
    one the bucket's domain name says.
    """

    id: str
    domain_name: str
    origin_path: str = ""
    custom_headers: tuple[tuple[str, str], ...] = ()
    protocol_policy: str = "http-only"
    http_port: int = 80
    https_port: int = 443
    ssl_protocols: tuple[str, ...] = ("TLSv1.2",)
    read_timeout: float = 30.0
    keepalive_timeout: float = 5.0
    connection_attempts: int = 3
    connection_timeout: float = 10.0
    is_s3: bool = False
    s3_origin_access_identity: str = ""
    s3_region: str | None = None
    url_override: str | None = None

    def base_url(self, viewer_scheme: str = "http") -> str:
        """Scheme, host and port edgesim connects to for this origin."""
        if self.url_override:
            return self.url_override.rstrip("/")
        if self.is_s3:
            scheme = "https"
        elif self.protocol_policy == "https-only":
            scheme = "https"
        elif self.protocol_policy == "match-viewer":
            scheme = viewer_scheme
        else:
            scheme = "http"
        port = self.https_port if scheme == "https" else self.http_port
        default = 443 if scheme == "https" else 80
        host = f"[{self.domain_name}]" if ":" in self.domain_name else self.domain_name
        return f"{scheme}://{host}" + ("" if port == default else f":{port}")


@dataclass(frozen=True)
class OriginGroup:
    id: str
    primary: str
    secondary: str
    failover_status_codes: frozenset[int]


@dataclass(frozen=True)
class Association:
    """One function bound to one event of one behavior."""

    kind: Literal["function", "lambda"]
    event_type: str
    name: str
    arn: str
    version: str | None = None
    include_body: bool = False


@dataclass(frozen=True)
class CacheBehavior:
    path_pattern: str
    target_origin_id: str
    viewer_protocol_policy: str = "allow-all"
    allowed_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    cached_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    compress: bool = False
    cache_policy_id: str | None = None
    origin_request_policy_id: str | None = None
    response_headers_policy_id: str | None = None
    forwarded_values: dict[str, Any] | None = None
    min_ttl: int = 0
    default_ttl: int = 86400
    max_ttl: int = 31536000
    associations: tuple[Association, ...] = ()
    field_path: str = "DistributionConfig.DefaultCacheBehavior"

    def association(self, event_type: str) -> Association | None:
        for assoc in self.associations:
            if assoc.event_type == event_type:
                return assoc
        return None


@dataclass(frozen=True)
class CustomErrorResponse:
    error_code: int
    response_page_path: str | None = None
    response_code: int | None = None
    error_caching_min_ttl: int = 10


@dataclass(frozen=True)
class Distribution:
    id: str
    domain_name: str
    origins: dict[str, Origin]
    default_behavior: CacheBehavior
    behaviors: tuple[CacheBehavior, ...] = ()
    origin_groups: dict[str, OriginGroup] = field(default_factory=dict)
    custom_error_responses: tuple[CustomErrorResponse, ...] = ()
    aliases: tuple[str, ...] = ()
    default_root_object: str = ""
    enabled: bool = True
    http_version: str = "http2"
    comment: str = ""

    def all_behaviors(self) -> tuple[CacheBehavior, ...]:
        return (*self.behaviors, self.default_behavior)


@dataclass(frozen=True)
class FunctionConfig:
    """A CloudFront Function, by name (the local `Functions` key)."""

    name: str
    runtime: str
    code_path: Path
    key_value_store: str | None = None


@dataclass(frozen=True)
class LambdaConfig:
    """A Lambda@Edge function, by name (the local `Lambdas` key)."""

    name: str
    runtime: str
    handler: str
    code_path: Path
    memory_size: int = 128
    timeout: float | None = None


@dataclass(frozen=True)
class BundledOrigin:
    """An origin from `origins/` that edgesim starts itself (`Edgesim.BundledOrigins`)."""

    kind: str
    root: Path | None = None
    cache_control: str | None = None


@dataclass(frozen=True)
class PopSetting:
    """One edge location of `Edgesim.Topology.RegionalEdgeCaches`, under its REC's region."""

    code: str
    region: str
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class HopSetting:
    """A latency distribution for one hop: median round trip and log-normal spread."""

    median_ms: float
    spread: float = 0.0


@dataclass(frozen=True)
class TopologySettings:
    """`Edgesim.Topology`, validated: places, latency and replication of versions.

    Empty `pops` means edgesim's built-in table. `hops` overrides the latency profile per
    hop (`viewer-pop`, `pop-rec`, `rec-origin`).
    """

    pops: tuple[PopSetting, ...] = ()
    viewer_networks: tuple[tuple[str, str], ...] = ()
    origin_region: str = "us-east-1"
    latency_profile: str = "off"
    hops: dict[str, HopSetting] = field(default_factory=dict)
    replication_profile: str = "instant"
    time_scale: float = 1.0
    auto_publish: bool = True


@dataclass(frozen=True)
class CacheSettings:
    """`Edgesim.Cache`: whether edgesim caches at all, and how much each tier may hold."""

    enabled: bool = True
    pop_max_bytes: int = 64 * 1024 * 1024
    rec_max_bytes: int = 256 * 1024 * 1024
    max_object_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """The local-only `Edgesim` block and the command line's overrides of it."""

    host: str = "127.0.0.1"
    port: int = 8080
    origin_overrides: dict[str, str] = field(default_factory=dict)
    bundled_origins: dict[str, BundledOrigin] = field(default_factory=dict)
    topology: dict[str, Any] = field(default_factory=dict)
    places: TopologySettings = field(default_factory=TopologySettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    pop: str = "IAD89-C1"
    distribution_id: str = "EDFDVBD6EXAMPLE"
    domain_name: str = "d111111abcdef8.cloudfront.net"
    now: float | None = None
    seed: int | None = None


@dataclass(frozen=True)
class EdgeConfig:
    """Everything one `edgesim serve` runs, as loaded from one file."""

    distribution: Distribution
    functions: dict[str, FunctionConfig] = field(default_factory=dict)
    lambdas: dict[str, LambdaConfig] = field(default_factory=dict)
    key_value_stores: dict[str, Path] = field(default_factory=dict)
    cache_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin_request_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    response_headers_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    source: Path | None = None
    warnings: tuple[str, ...] = ()
