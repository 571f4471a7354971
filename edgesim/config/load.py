"""Load an edge config: CloudFront's DistributionConfig plus edgesim's local keys.

The file is YAML or JSON. `DistributionConfig` holds CloudFront's own shape (the whole
output of `aws cloudfront get-distribution-config` loads unchanged); beside it,
`Functions`, `Lambdas`, `KeyValueStores`, the custom policy maps and `Edgesim` are
local. Paths in the file are relative to the file.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from edgesim.config.model import (
    EVENT_TYPES,
    Association,
    BundledOrigin,
    CacheSettings,
    CacheBehavior,
    CustomErrorResponse,
    Distribution,
    EdgeConfig,
    FunctionConfig,
    LambdaConfig,
    Origin,
    OriginGroup,
    HopSetting,
    PopSetting,
    Settings,
    TopologySettings,
)
from edgesim.config.fields import unknown_fields
from edgesim.config.reader import Findings, Node

FUNCTION_RUNTIMES = ("cloudfront-js-1.0", "cloudfront-js-2.0")
LAMBDA_RUNTIMES = (
    "nodejs18.x", "nodejs20.x", "nodejs22.x",
    "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
    "provided.al2", "provided.al2023",
)
ALLOWED_METHOD_SETS = (
    frozenset({"GET", "HEAD"}),
    frozenset({"GET", "HEAD", "OPTIONS"}),
    frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}),
)
CACHED_METHOD_SETS = (frozenset({"GET", "HEAD"}), frozenset({"GET", "HEAD", "OPTIONS"}))
FAILOVER_CODES = frozenset({400, 403, 404, 416, 500, 502, 503, 504})
ERROR_CODES = (400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504)
PATH_PATTERN_CHARS = re.compile(r"^[A-Za-z0-9_\-.*$/~\"'@:+&?]+$")
FUNCTION_ARN = re.compile(r"^arn:aws:cloudfront::\d{12}:function/(?P<name>[A-Za-z0-9_-]{1,64})$")
LAMBDA_ARN = re.compile(
    r"^arn:aws:lambda:(?P<region>[a-z0-9-]+):\d{12}:function:(?P<name>[A-Za-z0-9_-]+)(?::(?P<version>[^:]+))?$"
)
# Settings whose "off" value (false, "", {Enabled: false}) needs no "not emulated" warning.
DISTRIBUTION_SETTINGS_OFF = ("Logging", "Restrictions", "WebACLId", "ContinuousDeploymentPolicyId", "Staging")
ORIGIN_SETTINGS_OFF = ("OriginShield", "OriginAccessControlId", "VpcOriginConfig")
BEHAVIOR_SETTINGS_OFF = (
    "SmoothStreaming", "FieldLevelEncryptionId", "TrustedSigners", "TrustedKeyGroups", "RealtimeLogConfigArn",
    "GrpcConfig",
)
BARE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEFAULT_DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"

# Top-level keys of get-distribution-config output and edgesim's local keys.
TOP_LEVEL_KEYS = (
    "ETag", "DistributionConfig", "Functions", "Lambdas", "KeyValueStores",
    "CachePolicies", "OriginRequestPolicies", "ResponseHeadersPolicies", "Edgesim",
)


class ConfigError(Exception):
    """A config that cannot run; the message names the file, each field path and what was expected."""

    def __init__(self, source: str, errors: list[tuple[str, str]]) -> None:
        self.source = source
        self.errors = errors
        lines = [f"{source}: {path}: {message}" for path, message in errors]
        super().__init__("\n".join(lines))


def load_config(path: str | Path, *, origin_overrides: Mapping[str, str] | None = None) -> EdgeConfig:
    """Read and validate one config file; raise ConfigError listing every problem found."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(source), [("(file)", f"cannot be read: {exc.strerror or exc}")]) from exc
    document = parse_document(text, source)
    return build_config(document, base_dir=source.resolve().parent, source=source, origin_overrides=origin_overrides)


def parse_document(text: str, source: Path) -> dict[str, Any]:
    """Parse YAML or JSON (JSON is YAML, but JSON errors read better from json)."""
    try:
        if source.suffix.lower() == ".json":
            document = json.loads(text)
        else:
            document = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(str(source), [(f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else "(document)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(source), [(where, f"invalid YAML: {problem}")]) from exc
    if not isinstance(document, dict):
        raise ConfigError(str(source), [("(document)", "expected an object with a DistributionConfig key")])
    return document


def build_config(
    document: dict[str, Any],
    *,
    base_dir: Path,
    source: Path | None = None,
    origin_overrides: Mapping[str, str] | None = None,
) -> EdgeConfig:
    """Turn a parsed document into an EdgeConfig (also the entry point for configs given as dicts)."""
    findings = Findings()
    root = Node(document, "", findings)
    settings = _settings(root.obj("Edgesim"), dict(origin_overrides or {}), source, base_dir)
    functions = _functions(root, base_dir)
    lambdas = _lambdas(root, base_dir)
    stores = _key_value_stores(root, base_dir)
    for fn in functions.values():
        if fn.key_value_store and fn.key_value_store not in stores:
            findings.error(f"Functions.{fn.name}.KeyValueStore", f"names '{fn.key_value_store}', which is not in KeyValueStores")
    policies = {key: _custom_policies(root, key) for key in ("CachePolicies", "OriginRequestPolicies", "ResponseHeadersPolicies")}
    root.get("ETag", str)
    dist_node = root.obj("DistributionConfig", required=True)
    distribution = None
    if dist_node is not None:
        findings.errors.extend(unknown_fields(dist_node.value))
        distribution = _distribution(dist_node, settings, functions, lambdas)
    root.finish()
    label = str(source) if source else "(config)"
    if findings.errors or distribution is None:
        raise ConfigError(label, findings.errors or [("DistributionConfig", "is required")])
    warnings = ()
    if findings.unread:
        warnings = ("edgesim does not emulate these fields and ignores them: " + ", ".join(sorted(set(findings.unread))),)
    config = EdgeConfig(
        distribution=distribution,
        functions=functions,
        lambdas=lambdas,
        key_value_stores=stores,
        cache_policies=policies["CachePolicies"],
        origin_request_policies=policies["OriginRequestPolicies"],
        response_headers_policies=policies["ResponseHeadersPolicies"],
        settings=settings,
        source=source,
        warnings=warnings,
    )
    config_errors = _policy_errors(config) + _lambda_errors(config)
    if config_errors:
        raise ConfigError(label, config_errors)
    return config


def _split(message: str) -> tuple[str, str]:
    """`field.path: what is wrong` -> (field path, what is wrong)."""
    path, sep, rest = message.partition(": ")
    return (path, rest) if sep else (message, "is invalid")


def _lambda_errors(config: EdgeConfig) -> list[tuple[str, str]]:
    from edgesim.lambdas.associations import validate_lambda_associations

    return [_split(message) for message in validate_lambda_associations(config)]


def _policy_errors(config: EdgeConfig) -> list[tuple[str, str]]:
    """Custom policies that break CloudFront's rules, and behaviors naming policies that do not exist."""
    from edgesim.cache.policies import PolicyCatalog, PolicyConfigError, UnknownPolicy

    distribution = config.distribution
    try:
        catalog = PolicyCatalog.from_config(config)
    except PolicyConfigError as exc:
        return [_split(message) for message in exc.messages]
    found: list[tuple[str, str]] = []
    lookups = (
        ("CachePolicyId", "cache_policy_id", catalog.cache_policy),
        ("OriginRequestPolicyId", "origin_request_policy_id", catalog.origin_request_policy),
        ("ResponseHeadersPolicyId", "response_headers_policy_id", catalog.response_headers_policy),
    )
    for behavior in distribution.all_behaviors():
        for field_name, attribute, lookup in lookups:
            ref = getattr(behavior, attribute)
            if not ref:
                continue
            try:
                lookup(ref)
            except UnknownPolicy:
                found.append((f"{behavior.field_path}.{field_name}", f"names no managed or custom policy with Id or name {ref!r}"))
    return found


def _settings(node: Node | None, cli_overrides: dict[str, str], source: Path | None, base_dir: Path) -> Settings:
    overrides: dict[str, str] = {}
    bundled: dict[str, BundledOrigin] = {}
    host, port, pop, topology = "127.0.0.1", 8080, "IAD89-C1", {}
    places = TopologySettings()
    cache = CacheSettings()
    distribution_id = DEFAULT_DISTRIBUTION_ID
    domain = _default_domain(source)
    if node is not None:
        listen = node.obj("Listen")
        if listen is not None:
            host = listen.get("Host", str, host) or host
            port = listen.get("Port", int, port, check=_port_check) or port
            listen.finish()
        origins = node.obj("Origins")
        if origins is not None:
            for origin_id in origins.value:
                url = origins.get(origin_id, str, check=_url_check)
                if url:
                    overrides[origin_id] = url
        bundled = _bundled_origins(node, base_dir)
        cache = _cache_settings(node.obj("Cache"))
        pop = node.get("Pop", str, pop, check=_pop_check) or pop
        topology_node = node.obj("Topology")
        if topology_node is not None:
            topology = dict(topology_node.value)
            places = _topology(topology_node)
            if places.pops and pop not in {p.code for p in places.pops}:
                node.error("Pop", f"names {pop}, which is not among Topology.RegionalEdgeCaches' POPs")
        distribution_id = node.get("DistributionId", str, distribution_id) or distribution_id
        domain = node.get("DomainName", str, domain) or domain
        node.finish()
    for origin_id, url in cli_overrides.items():
        problem = _url_check(url)
        if problem:
            raise ConfigError("--origin", [(origin_id, f"{problem}, got {url!r}")])
        overrides[origin_id] = url
    return Settings(
        host=host,
        port=port,
        origin_overrides=overrides,
        bundled_origins=bundled,
        topology=topology,
        places=places,
        cache=cache,
        pop=pop,
        distribution_id=distribution_id,
        domain_name=domain,
    )


def _cache_settings(node: Node | None) -> CacheSettings:
    if node is None:
        return CacheSettings()
    defaults = CacheSettings()
    size = _range_check(1024, 1 << 40)
    settings = CacheSettings(
        enabled=node.get("Enabled", bool, defaults.enabled),
        pop_max_bytes=node.get("PopMaxBytes", int, defaults.pop_max_bytes, check=size),
        rec_max_bytes=node.get("RecMaxBytes", int, defaults.rec_max_bytes, check=size),
        max_object_bytes=node.get("MaxObjectBytes", int, defaults.max_object_bytes, check=size),
    )
    node.finish()
    return settings


BUNDLED_ORIGIN_KINDS = ("static", "echo", "slow", "flaky")


def _bundled_origins(node: Node, base_dir: Path) -> dict[str, BundledOrigin]:
    out: dict[str, BundledOrigin] = {}
    for origin_id, entry in node.named_objects("BundledOrigins"):
        kind = entry.get("Kind", str, required=True, choices=BUNDLED_ORIGIN_KINDS)
        root = entry.get("Root", str)
        cache_control = entry.get("CacheControl", str)
        entry.finish()
        root_path = _local_path(entry, "Root", root, base_dir) if root else None
        if root_path is not None and not root_path.is_dir():
            entry.error("Root", f"expected a directory, but {root_path} is not one")
        if kind:
            out[origin_id] = BundledOrigin(kind=kind, root=root_path, cache_control=cache_control)
    return out


def _default_domain(source: Path | None) -> str:
    """A stable `dXXXXXXXXXXXXX.cloudfront.net` per config file, as CloudFront assigns one per distribution."""
    seed = str(source.resolve()) if source else "edgesim"
    digest = hashlib.sha256(seed.encode()).hexdigest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    name = "".join(alphabet[int(digest[i : i + 2], 16) % len(alphabet)] for i in range(0, 26, 2))
    return f"d{name}.cloudfront.net"


def _port_check(port: int) -> str | None:
    return None if 0 <= port <= 65535 else "expected a port from 0 to 65535"


def _url_check(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "expected an http:// or https:// URL such as http://127.0.0.1:3000"
    return None


def _pop_check(code: str) -> str | None:
    return None if re.match(r"^[A-Z]{3}[0-9]{1,3}(-[A-Z][0-9]{1,2})?$", code) else "expected a POP code like FRA56-C1"


AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
LATENCY_PROFILES = ("off", "realistic")
REPLICATION_PROFILES = ("instant", "realistic")
HOP_KEYS = {"ViewerPop": "viewer-pop", "PopRec": "pop-rec", "RecOrigin": "rec-origin"}


def _region_check(region: str) -> str | None:
    return None if AWS_REGION.match(region) else "expected an AWS region name like eu-central-1"


def _topology(node: Node) -> TopologySettings:
    """`Edgesim.Topology`: RECs by region with their POPs, viewer networks, latency, replication."""
    pops: list[PopSetting] = []
    recs = node.obj("RegionalEdgeCaches")
    if recs is not None:
        for region in recs.value:
            problem = _region_check(str(region))
            if problem:
                recs.error(str(region), f"{problem}, got {region!r}")
            rec = recs.obj(region)
            if rec is None:
                continue
            for code in rec.value:
                if _pop_check(str(code)):
                    rec.error(str(code), f"expected a POP code like FRA56-C1, got {code!r}")
                    continue
                countries = rec.value[code] or []
                if not isinstance(countries, list) or not all(isinstance(c, str) and COUNTRY_CODE.match(c) for c in countries):
                    rec.error(code, f"expected a list of two-letter country codes, got {countries!r}")
                    countries = []
                if any(p.code == code for p in pops):
                    rec.error(code, "is listed under more than one regional edge cache")
                    continue
                rec.mark_read(code)
                pops.append(PopSetting(code, str(region), tuple(countries)))
        if not pops:
            node.error("RegionalEdgeCaches", "expected at least one region with at least one POP")
    networks: list[tuple[str, str]] = []
    nets = node.obj("ViewerNetworks")
    if nets is not None:
        for cidr in nets.value:
            country = nets.get(cidr, str, check=lambda c: None if COUNTRY_CODE.match(c) else "expected a two-letter country code")
            try:
                ipaddress.ip_network(str(cidr), strict=False)
            except ValueError:
                nets.error(str(cidr), f"expected a network like 203.0.113.0/24, got {cidr!r}")
                continue
            if country:
                networks.append((str(cidr), country))
    origin_region = node.get("OriginRegion", str, "us-east-1", check=_region_check) or "us-east-1"
    latency_profile, hops = "off", {}
    latency = node.obj("Latency")
    if latency is not None:
        latency_profile = latency.get("Profile", str, "off", choices=LATENCY_PROFILES) or "off"
        for key, hop_name in HOP_KEYS.items():
            hop = latency.obj(key)
            if hop is None:
                continue
            median = hop.get("MedianMs", float, required=True, check=lambda v: None if v >= 0 else "expected 0 or more")
            spread = hop.get("Spread", float, 0.0, check=lambda v: None if 0 <= v <= 2 else "expected 0 to 2")
            hop.finish()
            if median is not None:
                hops[hop_name] = HopSetting(median, spread or 0.0)
        latency.finish()
    replication_profile, time_scale, auto_publish = "instant", 1.0, True
    replication = node.obj("Replication")
    if replication is not None:
        replication_profile = replication.get("Profile", str, "instant", choices=REPLICATION_PROFILES) or "instant"
        time_scale = replication.get("TimeScale", float, 1.0, check=lambda v: None if v > 0 else "expected a number above 0")
        auto_publish = replication.get("AutoPublish", bool, True)
        replication.finish()
    node.finish()
    return TopologySettings(
        pops=tuple(pops),
        viewer_networks=tuple(networks),
        origin_region=origin_region,
        latency_profile=latency_profile,
        hops=hops,
        replication_profile=replication_profile,
        time_scale=time_scale or 1.0,
        auto_publish=True if auto_publish is None else auto_publish,
    )


def _functions(root: Node, base_dir: Path) -> dict[str, FunctionConfig]:
    out: dict[str, FunctionConfig] = {}
    for name, fn in root.named_objects("Functions"):
        if not BARE_NAME.match(name):
            fn.findings.error(fn.path, "expected a function name of 1-64 letters, digits, - or _")
        runtime = fn.get("Runtime", str, "cloudfront-js-2.0", choices=FUNCTION_RUNTIMES)
        code = _code_path(fn, "Code", base_dir, want_dir=False)
        store = fn.get("KeyValueStore", str)
        if store and runtime != "cloudfront-js-2.0":
            fn.error("KeyValueStore", "needs Runtime cloudfront-js-2.0 (KeyValueStore is a 2.0 feature)")
        fn.finish()
        if code is not None and runtime:
            out[name] = FunctionConfig(name=name, runtime=runtime, code_path=code, key_value_store=store)
    return out


def _lambdas(root: Node, base_dir: Path) -> dict[str, LambdaConfig]:
    out: dict[str, LambdaConfig] = {}
    for name, fn in root.named_objects("Lambdas"):
        runtime = fn.get("Runtime", str, required=True, choices=LAMBDA_RUNTIMES)
        default_handler = "index.handler" if (runtime or "").startswith("nodejs") else "lambda_function.lambda_handler"
        if (runtime or "").startswith("provided"):
            default_handler = "function.handler"
        handler = fn.get("Handler", str, default_handler) or default_handler
        code = _code_path(fn, "Code", base_dir, want_dir=None)
        memory = fn.get("MemorySize", int, 128, check=lambda m: None if 128 <= m <= 10240 else "expected 128 to 10240 MB")
        timeout = fn.get("Timeout", float, check=lambda t: None if 0 < t <= 30 else "expected 1 to 30 seconds")
        fn.finish()
        if code is not None and runtime:
            out[name] = LambdaConfig(
                name=name, runtime=runtime, handler=handler, code_path=code, memory_size=memory or 128, timeout=timeout
            )
    return out


def _local_path(node: Node, key: str, raw: str, base_dir: Path) -> Path | None:
    """`raw` resolved against the config's folder, or None (with an error) when no file can have that name."""
    if "\x00" in raw:
        node.error(key, "expected a file path, but it contains a NUL character")
        return None
    return (base_dir / raw).resolve()


def _code_path(node: Node, key: str, base_dir: Path, *, want_dir: bool | None) -> Path | None:
    raw = node.get(key, str, required=True)
    path = _local_path(node, key, raw, base_dir) if raw is not None else None
    if path is None:
        return None
    if not path.exists():
        node.error(key, f"expected a path to existing code, but {path} does not exist")
        return None
    if want_dir is False and not path.is_file():
        node.error(key, f"expected a JavaScript file, but {path} is a directory")
        return None
    return path


def _key_value_stores(root: Node, base_dir: Path) -> dict[str, Path]:
    node = root.obj("KeyValueStores")
    out: dict[str, Path] = {}
    if node is None:
        return out
    for name in node.value:
        raw = node.get(name, str)
        path = _local_path(node, name, raw, base_dir) if raw is not None else None
        if path is None:
            continue
        if not path.is_file():
            node.error(name, f"expected a JSON file, but {path} does not exist")
            continue
        out[name] = path
    return out


def _custom_policies(root: Node, key: str) -> dict[str, dict[str, Any]]:
    """Custom policies in the API's shape: a list of `{Id, XPolicyConfig}` or a map by Id."""
    config_key = {"CachePolicies": "CachePolicyConfig", "OriginRequestPolicies": "OriginRequestPolicyConfig",
                  "ResponseHeadersPolicies": "ResponseHeadersPolicyConfig"}[key]
    raw = root.value.get(key)
    root.mark_read(key)
    out: dict[str, dict[str, Any]] = {}
    if raw is None:
        return out
    entries: list[tuple[str, Any]]
    if isinstance(raw, list):
        entries = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or not isinstance(item.get("Id"), str):
                root.findings.error(f"{key}[{i}]", f"expected an object with Id and {config_key}")
                continue
            entries.append((item["Id"], item))
    elif isinstance(raw, dict):
        entries = list(raw.items())
    else:
        root.error(key, f"expected a list of {{Id, {config_key}}} or a map from Id to {config_key}")
        return out
    for policy_id, body in entries:
        if isinstance(body, dict) and config_key in body:
            body = body[config_key]
        if not isinstance(body, dict):
            root.findings.error(f"{key}.{policy_id}", f"expected {config_key} (an object)")
            continue
        out[policy_id] = body
    return out


def _distribution(
    node: Node, settings: Settings, functions: dict[str, FunctionConfig], lambdas: dict[str, LambdaConfig]
) -> Distribution | None:
    for key in ("CallerReference", "Comment"):
        node.get(key, str)
    enabled = node.get("Enabled", bool, True)
    node.get("HttpVersion", str, "http2", choices=("http1.1", "http2", "http3", "http2and3"))
    aliases = tuple(node.scalars("Aliases", str))
    root_object = node.get("DefaultRootObject", str, "", check=_root_object_check) or ""
    origins = {o.id: o for o in (_origin(n, settings) for n in node.objects("Origins", required=True)) if o}
    if not origins and not node.findings.errors:
        node.error("Origins", "expected at least one origin")
    groups = {g.id: g for g in (_origin_group(n, origins) for n in node.objects("OriginGroups")) if g}
    for where, mapped in (("Edgesim.Origins", settings.origin_overrides), ("Edgesim.BundledOrigins", settings.bundled_origins)):
        for origin_id in mapped:
            if origin_id not in origins:
                node.findings.error(
                    f"{where}.{origin_id}", f"names no origin of the distribution (origins: {', '.join(sorted(origins))})"
                )
    targets = set(origins) | set(groups)
    default_node = node.obj("DefaultCacheBehavior", required=True)
    default = _behavior(default_node, targets, functions, lambdas, default=True) if default_node else None
    behaviors = tuple(
        b for b in (_behavior(n, targets, functions, lambdas, default=False) for n in node.objects("CacheBehaviors")) if b
    )
    errors = tuple(e for e in (_custom_error(n) for n in node.objects("CustomErrorResponses")) if e)
    _accept_if_off(node, DISTRIBUTION_SETTINGS_OFF)
    node.finish()
    if default is None:
        return None
    return Distribution(
        id=settings.distribution_id,
        domain_name=settings.domain_name,
        origins=origins,
        default_behavior=default,
        behaviors=behaviors,
        origin_groups=groups,
        custom_error_responses=errors,
        aliases=aliases,
        default_root_object=root_object,
        enabled=bool(enabled),
    )


def _root_object_check(value: str) -> str | None:
    if value.startswith("/"):
        return "expected an object name without a leading /"
    if len(value) > 255:
        return "expected at most 255 characters"
    return None


def _origin(node: Node, settings: Settings) -> Origin | None:
    origin_id = node.get("Id", str, required=True)
    domain = node.get("DomainName", str, required=True)
    path = node.get("OriginPath", str, "", check=_origin_path_check) or ""
    headers = []
    for h in node.objects("CustomHeaders"):
        name = h.get("HeaderName", str, required=True)
        value = h.get("HeaderValue", str, "")
        h.finish()
        if name:
            headers.append((name, value or ""))
    attempts = node.get("ConnectionAttempts", int, 3, check=_range_check(1, 3)) or 3
    connect_timeout = node.get("ConnectionTimeout", int, 10, check=_range_check(1, 10)) or 10
    custom = node.obj("CustomOriginConfig")
    s3 = node.obj("S3OriginConfig")
    fields: dict[str, Any] = {}
    if custom is not None:
        fields = dict(
            http_port=custom.get("HTTPPort", int, 80, check=_origin_port_check) or 80,
            https_port=custom.get("HTTPSPort", int, 443, check=_origin_port_check) or 443,
            protocol_policy=custom.get(
                "OriginProtocolPolicy", str, required=True, choices=("http-only", "match-viewer", "https-only")
            )
            or "http-only",
            ssl_protocols=tuple(custom.scalars("OriginSslProtocols", str)) or ("TLSv1.2",),
            read_timeout=float(custom.get("OriginReadTimeout", int, 30, check=_range_check(1, 180)) or 30),
            keepalive_timeout=float(custom.get("OriginKeepaliveTimeout", int, 5, check=_range_check(1, 180)) or 5),
        )
        custom.finish()
    elif s3 is not None:
        fields = dict(
            is_s3=True,
            s3_origin_access_identity=s3.get("OriginAccessIdentity", str, "") or "",
            read_timeout=float(s3.get("OriginReadTimeout", int, 30, check=_range_check(1, 120)) or 30),
        )
        s3.finish()
    else:
        node.error("CustomOriginConfig", "is required (or S3OriginConfig): one of the two says what kind of origin this is")
    _accept_if_off(node, ORIGIN_SETTINGS_OFF)
    node.finish()
    if not origin_id or not domain:
        return None
    return Origin(
        id=origin_id,
        domain_name=domain,
        origin_path=path,
        custom_headers=tuple(headers),
        connection_attempts=attempts,
        connection_timeout=float(connect_timeout),
        url_override=settings.origin_overrides.get(origin_id),
        **fields,
    )


def _origin_path_check(path: str) -> str | None:
    if path and (not path.startswith("/") or path.endswith("/")):
        return "expected a path that starts with / and does not end with /"
    return None


def _origin_port_check(port: int) -> str | None:
    return None if port in (80, 443) or 1024 <= port <= 65535 else "expected 80, 443 or 1024-65535"


def _range_check(low: int, high: int):
    return lambda v: None if low <= v <= high else f"expected {low} to {high}"


def _origin_group(node: Node, origins: dict[str, Origin]) -> OriginGroup | None:
    group_id = node.get("Id", str, required=True)
    criteria = node.obj("FailoverCriteria", required=True)
    codes: list[int] = []
    if criteria is not None:
        codes = criteria.scalars("StatusCodes", int)
        for code in codes:
            if code not in FAILOVER_CODES:
                criteria.error("StatusCodes", f"expected codes from {sorted(FAILOVER_CODES)}, got {code}")
        criteria.finish()
    members = []
    for member in node.objects("Members", required=True):
        origin_id = member.get("OriginId", str, required=True)
        member.finish()
        if origin_id and origin_id not in origins:
            member.error("OriginId", f"names no origin (origins: {', '.join(sorted(origins))})")
        members.append(origin_id)
    if len(members) != 2:
        node.error("Members", f"expected exactly two members (primary, secondary), got {len(members)}")
    node.get("SelectionCriteria", str)
    node.finish()
    if not group_id or len(members) != 2 or None in members:
        return None
    return OriginGroup(id=group_id, primary=members[0], secondary=members[1], failover_status_codes=frozenset(codes))


def _behavior(
    node: Node,
    targets: set[str],
    functions: dict[str, FunctionConfig],
    lambdas: dict[str, LambdaConfig],
    *,
    default: bool,
) -> CacheBehavior | None:
    pattern = "*" if default else node.get("PathPattern", str, required=True, check=_path_pattern_check)
    target = node.get("TargetOriginId", str, required=True)
    if target and target not in targets:
        node.error("TargetOriginId", f"names no origin or origin group (known: {', '.join(sorted(targets))})")
    policy = node.get("ViewerProtocolPolicy", str, "allow-all", choices=("allow-all", "redirect-to-https", "https-only"))
    allowed, cached = _methods(node)
    cache_policy = node.get("CachePolicyId", str)
    origin_policy = node.get("OriginRequestPolicyId", str)
    headers_policy = node.get("ResponseHeadersPolicyId", str)
    forwarded = node.obj("ForwardedValues")
    ttls = {key: node.get(key, int) for key in ("MinTTL", "DefaultTTL", "MaxTTL")}
    if cache_policy and (forwarded is not None or any(v is not None for v in ttls.values())):
        node.error("CachePolicyId", "cannot be combined with the legacy ForwardedValues/MinTTL/DefaultTTL/MaxTTL settings")
    if not cache_policy and forwarded is None:
        node.error("ForwardedValues", "is required when the behavior has no CachePolicyId")
    if origin_policy and not cache_policy:
        node.error("OriginRequestPolicyId", "needs a CachePolicyId on the same behavior")
    associations = _associations(node, functions, lambdas)
    node.get("Compress", bool)
    _accept_if_off(node, BEHAVIOR_SETTINGS_OFF)
    node.finish()
    if not pattern or not target or policy is None:
        return None
    return CacheBehavior(
        path_pattern=pattern,
        target_origin_id=target,
        viewer_protocol_policy=policy,
        allowed_methods=allowed,
        cached_methods=cached,
        compress=bool(node.value.get("Compress", False)),
        cache_policy_id=cache_policy,
        origin_request_policy_id=origin_policy,
        response_headers_policy_id=headers_policy,
        forwarded_values=forwarded.value if forwarded is not None else None,
        min_ttl=ttls["MinTTL"] if ttls["MinTTL"] is not None else 0,
        default_ttl=ttls["DefaultTTL"] if ttls["DefaultTTL"] is not None else 86400,
        max_ttl=ttls["MaxTTL"] if ttls["MaxTTL"] is not None else 31536000,
        associations=associations,
        field_path=node.path,
    )


def _accept_if_off(node: Node, keys: tuple[str, ...]) -> None:
    """Mark settings that are present but off (`false`, `""`, `{Enabled: false, Quantity: 0}`) as read.

    A setting that is off changes nothing, so it needs no warning; one that is on and
    not emulated stays unread and is named in the warning.
    """
    for key in keys:
        if key in node.value and _is_off(node.value[key]):
            node.mark_read(key)


def _is_off(value: Any) -> bool:
    if value in (False, "", None):
        return True
    if isinstance(value, dict):
        if "RestrictionType" in value:
            return value["RestrictionType"] == "none"
        nested = [v for k, v in value.items() if isinstance(v, dict)]
        flat_off = not value.get("Enabled", False) and not value.get("Quantity", 0) and not value.get("Items")
        return flat_off and all(_is_off(v) for v in nested)
    return False


def _path_pattern_check(pattern: str) -> str | None:
    if len(pattern) > 255:
        return "expected at most 255 characters"
    if not PATH_PATTERN_CHARS.match(pattern.replace("&amp;", "&")):
        return "expected only A-Z a-z 0-9 _ - . * ? $ / ~ \" ' @ : + &"
    return None


def _methods(node: Node) -> tuple[frozenset[str], frozenset[str]]:
    methods = node.obj("AllowedMethods")
    if methods is None:
        return ALLOWED_METHOD_SETS[0], CACHED_METHOD_SETS[0]
    allowed = frozenset(m.upper() for m in methods.scalars("Items", str)) or ALLOWED_METHOD_SETS[0]
    methods.get("Quantity", int)
    cached_node = methods.obj("CachedMethods")
    cached = CACHED_METHOD_SETS[0]
    if cached_node is not None:
        cached = frozenset(m.upper() for m in cached_node.scalars("Items", str)) or cached
        cached_node.get("Quantity", int)
        cached_node.finish()
    methods.finish()
    if allowed not in ALLOWED_METHOD_SETS:
        node.error("AllowedMethods.Items", "expected one of GET,HEAD | GET,HEAD,OPTIONS | GET,HEAD,OPTIONS,PUT,POST,PATCH,DELETE")
        allowed = ALLOWED_METHOD_SETS[0]
    if cached not in CACHED_METHOD_SETS or not cached <= allowed:
        node.error("AllowedMethods.CachedMethods.Items", "expected GET,HEAD or GET,HEAD,OPTIONS, within AllowedMethods")
        cached = CACHED_METHOD_SETS[0]
    return allowed, cached


def _associations(
    node: Node, functions: dict[str, FunctionConfig], lambdas: dict[str, LambdaConfig]
) -> tuple[Association, ...]:
    found: list[Association] = []
    for item in node.objects("FunctionAssociations"):
        arn = item.get("FunctionARN", str, required=True)
        event = item.get("EventType", str, required=True, choices=("viewer-request", "viewer-response"))
        item.finish()
        if not arn or not event:
            continue
        match = FUNCTION_ARN.match(arn) or BARE_NAME.match(arn)
        name = match.groupdict().get("name", arn) if match and match.groupdict() else arn
        if not match:
            item.error("FunctionARN", "expected arn:aws:cloudfront::ACCOUNT:function/NAME or a bare function name")
        elif name not in functions:
            item.error("FunctionARN", f"names function '{name}', which is not in Functions")
        else:
            found.append(Association(kind="function", event_type=event, name=name, arn=arn))
    for item in node.objects("LambdaFunctionAssociations"):
        arn = item.get("LambdaFunctionARN", str, required=True)
        event = item.get("EventType", str, required=True, choices=EVENT_TYPES)
        include_body = bool(item.get("IncludeBody", bool, False))
        item.finish()
        if not arn or not event:
            continue
        match = LAMBDA_ARN.match(arn)
        if match:
            name, version = match["name"], match["version"]
        elif BARE_NAME.match(arn):
            name, version = arn, None
        else:
            item.error("LambdaFunctionARN", "expected arn:aws:lambda:us-east-1:ACCOUNT:function:NAME:VERSION or a bare name")
            continue
        if name not in lambdas:
            item.error("LambdaFunctionARN", f"names function '{name}', which is not in Lambdas")
            continue
        found.append(
            Association(kind="lambda", event_type=event, name=name, arn=arn, version=version, include_body=include_body)
        )
    seen: dict[str, Association] = {}
    for assoc in found:
        if assoc.event_type in seen:
            node.error(
                "FunctionAssociations" if assoc.kind == "function" else "LambdaFunctionAssociations",
                f"has two functions for {assoc.event_type} ({seen[assoc.event_type].arn} and {assoc.arn}); "
                "CloudFront allows one per event type",
            )
        seen[assoc.event_type] = assoc
    kinds_on_viewer = {a.kind for a in found if a.event_type.startswith("viewer-")}
    if len(kinds_on_viewer) == 2:
        node.error(
            "FunctionAssociations",
            "cannot be combined with Lambda@Edge on viewer events of the same behavior (CloudFront refuses the mix)",
        )
    return tuple(found)


def _custom_error(node: Node) -> CustomErrorResponse | None:
    code = node.get("ErrorCode", int, required=True, choices=ERROR_CODES)
    page = node.get("ResponsePagePath", str)
    response_code = node.get("ResponseCode", str)
    ttl = node.get("ErrorCachingMinTTL", int, 10, check=lambda v: None if v >= 0 else "expected 0 or more seconds")
    node.finish()
    if page is not None and page != "" and not page.startswith("/"):
        node.error("ResponsePagePath", f"expected a path starting with /, got {page!r}")
    parsed_code = None
    if response_code not in (None, ""):
        if not response_code.isdigit() or int(response_code) not in (200, *ERROR_CODES):
            node.error("ResponseCode", f"expected \"200\" or one of {ERROR_CODES} as a string, got {response_code!r}")
        else:
            parsed_code = int(response_code)
    if code is None:
        return None
    return CustomErrorResponse(
        error_code=code, response_page_path=page or None, response_code=parsed_code, error_caching_min_ttl=ttl or 0
    )
