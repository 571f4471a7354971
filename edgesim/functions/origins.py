"""The origin helpers' effect: which `Origin` the request goes to (spec §3.9).

The `cloudfront` module only records the calls a function made; once the handler has
finished, they are applied here in order to the origin the cache behavior chose. A
bad argument is a validation error (502), as for any other invalid function output.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Mapping
from typing import Any

from edgesim.config.model import Origin
from edgesim.edge.header_rules import is_disallowed
from edgesim.functions.event import FunctionValidationError


def apply_origin_calls(
    calls: list[dict[str, Any]], current: Origin | None, origins: Mapping[str, Origin]
) -> tuple[Origin | None, list[str]]:
    """The origin after every helper call, and notes about what edgesim could not carry."""
    notes: list[str] = []
    origin = current
    for call in calls:
        helper, args = call["helper"], call["arguments"]
        if helper == "updateRequestOrigin":
            origin = _update(origin, args[0], "updateRequestOrigin")
        elif helper == "selectRequestOriginById":
            origin = _by_id(origins, args[0], "selectRequestOriginById")
            if len(args) > 1:
                origin = _update(origin, _only(args[1], {"hostHeader", "sni", "allowedCertificateNames"},
                                               "selectRequestOriginById options"), "selectRequestOriginById")
        elif helper == "createRequestOriginGroup":
            origin = _group_primary(origins, args[0])
            notes.append("createRequestOriginGroup: edgesim sends the request to the primary origin; "
                         "failover to the secondary is not modelled")
    return origin, notes


def _by_id(origins: Mapping[str, Origin], origin_id: Any, helper: str) -> Origin:
    origin = origins.get(origin_id) if isinstance(origin_id, str) else None
    if origin is None:
        known = ", ".join(sorted(origins)) or "none"
        raise FunctionValidationError(f"{helper}: no origin with ID {origin_id!r} in the distribution (known: {known})")
    return origin


def _group_primary(origins: Mapping[str, Origin], props: dict[str, Any]) -> Origin:
    first = props["originIds"][0]
    if isinstance(first, str):
        return _by_id(origins, first, "createRequestOriginGroup")
    if not isinstance(first, dict):
        raise FunctionValidationError("createRequestOriginGroup: originIds entries must be IDs or {originId, originOverrides}")
    origin = _by_id(origins, first.get("originId"), "createRequestOriginGroup")
    overrides = first.get("originOverrides")
    return _update(origin, overrides, "createRequestOriginGroup") if overrides else origin


def _only(value: Any, allowed: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FunctionValidationError(f"{what} must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise FunctionValidationError(f"{what}: unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}")
    return value


def _update(origin: Origin | None, props: Any, helper: str) -> Origin:
    props = _only(props, set(_PROPERTIES), helper)
    if origin is None:
        if "domainName" not in props:
            raise FunctionValidationError(f"{helper}: the request has no origin to inherit from, so domainName is required")
        origin = Origin(id="function-origin", domain_name=props["domainName"])
    changes: dict[str, Any] = {}
    for name, value in props.items():
        _PROPERTIES[name](f"{helper}: {name}", value, changes)
    host = changes.pop("host_header", None)
    if host is not None:
        headers = changes.get("custom_headers", origin.custom_headers)
        changes["custom_headers"] = tuple((n, v) for n, v in headers if n.lower() != "host") + (("Host", host),)
    if "domain_name" in changes:
        changes["url_override"] = None  # the override pointed at the old origin
    return dataclasses.replace(origin, **changes)


def _hostname(what: str, value: Any, limit: int = 253) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or ":" in value:
        raise FunctionValidationError(f"{what} must be a host name of at most {limit} characters without ':'")
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return value
    raise FunctionValidationError(f"{what} must be a host name, not an IP address")


def _number(what: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise FunctionValidationError(f"{what} must be a number from {low:g} to {high:g}")
    return value


def _domain(what: str, value: Any, changes: dict[str, Any]) -> None:
    changes["domain_name"] = _hostname(what, value)


def _host_header(what: str, value: Any, changes: dict[str, Any]) -> None:
    changes["host_header"] = _hostname(what, value)


def _origin_path(what: str, value: Any, changes: dict[str, Any]) -> None:
    if not isinstance(value, str) or len(value) > 255 or (value and (not value.startswith("/") or value.endswith("/"))):
        raise FunctionValidationError(f"{what} must start with '/', not end with '/', and be at most 255 characters")
    changes["origin_path"] = value


def _custom_headers(what: str, value: Any, changes: dict[str, Any]) -> None:
    if not isinstance(value, dict):
        raise FunctionValidationError(f"{what} must be an object of header names to values")
    for name, header_value in value.items():
        if name != name.lower() or not isinstance(header_value, str):
            raise FunctionValidationError(f"{what}: '{name}' must be a lower-case name with a string value")
        if is_disallowed(name):
            raise FunctionValidationError(f"{what}: header '{name}' is disallowed")
    changes["custom_headers"] = tuple(value.items())


def _connection_attempts(what: str, value: Any, changes: dict[str, Any]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FunctionValidationError(f"{what} must be an integer from 1 to 3")
    changes["connection_attempts"] = int(_number(what, value, 1, 3))


def _timeouts(what: str, value: Any, changes: dict[str, Any]) -> None:
    value = _only(value, {"readTimeout", "responseCompletionTimeout", "keepAliveTimeout", "connectionTimeout"}, what)
    if "readTimeout" in value:
        changes["read_timeout"] = float(_number(f"{what}.readTimeout", value["readTimeout"], 1, 120))
    if "keepAliveTimeout" in value:
        changes["keepalive_timeout"] = float(_number(f"{what}.keepAliveTimeout", value["keepAliveTimeout"], 1, 120))
    if "connectionTimeout" in value:
        changes["connection_timeout"] = float(_number(f"{what}.connectionTimeout", value["connectionTimeout"], 1, 10))
    if "responseCompletionTimeout" in value:
        _number(f"{what}.responseCompletionTimeout", value["responseCompletionTimeout"],
                value.get("readTimeout", 1), float("inf"))


def _custom_origin_config(what: str, value: Any, changes: dict[str, Any]) -> None:
    value = _only(value, {"port", "protocol", "sslProtocols"}, what)
    protocol = value.get("protocol")
    if protocol is not None:
        if protocol not in ("http", "https"):
            raise FunctionValidationError(f"{what}.protocol must be 'http' or 'https'")
        changes["protocol_policy"] = f"{protocol}-only"
    if "port" in value:
        port = int(_number(f"{what}.port", value["port"], 1, 65535))
        changes["https_port" if protocol == "https" else "http_port"] = port
    if "sslProtocols" in value:
        allowed = {"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"}
        if not isinstance(value["sslProtocols"], list) or not set(value["sslProtocols"]) <= allowed:
            raise FunctionValidationError(f"{what}.sslProtocols must list SSLv3, TLSv1, TLSv1.1 or TLSv1.2")
        changes["ssl_protocols"] = tuple(value["sslProtocols"])


def _accepted(what: str, value: Any, changes: dict[str, Any]) -> None:
    """Settings edgesim's origin client has no counterpart for (shield, OAC, SNI, ...)."""
    if value is None:
        raise FunctionValidationError(f"{what} must not be null")


_PROPERTIES: dict[str, Callable[[str, Any, dict[str, Any]], None]] = {
    "domainName": _domain,
    "hostHeader": _host_header,
    "originPath": _origin_path,
    "customHeaders": _custom_headers,
    "connectionAttempts": _connection_attempts,
    "timeouts": _timeouts,
    "customOriginConfig": _custom_origin_config,
    "originShield": _accepted,
    "originAccessControlConfig": _accepted,
    "ipAddressType": _accepted,
    "sni": _accepted,
    "allowedCertificateNames": _accepted,
    "mTLSConfig": _accepted,
}
