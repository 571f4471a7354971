"""What CloudFront accepts back from a Lambda@Edge function (spec 2.1-2.4, 1.5-1.7, 4.2).

Each reader turns the function's JSON into the model or raises `ValidationFailure` with
a sentence naming the field or header and the rule; the hook reports it as a 502
`LambdaValidationError`. Where the spec leaves a field optional, the event's value is
kept (a returned request may omit what it does not change).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import ipaddress
import json
import re
from typing import Any

from edgesim.config.model import Origin
from edgesim.edge.header_rules import header_violations, is_disallowed
from edgesim.edge.hooks import ORIGIN_REQUEST, REQUEST_EVENTS, VIEWER_REQUEST, VIEWER_RESPONSE
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.lambdas.event import (
    BODY_REPLACE_LIMIT,
    GENERATED_RESPONSE_LIMIT,
    SentEvent,
    canonical_key,
    origin_protocol,
)

MAX_URL_CHARS = 8192
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_QUERY_CHAR = re.compile(r"[\x00-\x20\x7f#]")
_DIGITS = re.compile(r"[0-9]+")
SSL_PROTOCOLS = frozenset({"TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"})
# Viewer-request may not add this one although CloudFront-* headers are otherwise free (4.3).
ADDED_AFTER_VIEWER_REQUEST = frozenset({"cloudfront-viewer-country"})


class ValidationFailure(Exception):
    """The function's result breaks a CloudFront rule; the message says which."""


def read_result(sent: SentEvent, result: Any) -> tuple[EdgeRequest | None, EdgeResponse | None, Origin | None]:
    """Check the function's result for its event type and build the model from it.

    Returns (request, response, origin): a request event yields a request (and the origin
    when it changed) or a generated response; a response event yields a response.
    """
    if not isinstance(result, dict):
        kind = "null" if result is None else type(result).__name__
        raise ValidationFailure(f"The Lambda function returned invalid JSON: the result must be an object type, got {kind}")
    if sent.event_type in REQUEST_EVENTS:
        if "status" in result:
            return None, read_generated_response(sent, result), None
        request, origin = read_request(sent, result)
        return request, None, origin
    return None, read_response(sent, result), None


def read_headers(value: Any, where: str, warnings: list[str]) -> list[tuple[str, str]]:
    """A `{name: [{key?, value}]}` map as ordered fields, a missing `key` filled in.

    A `key` naming another header than its map entry is sent under the map's name, as
    the developer guide's last-modified example expects (it copies the
    `x-amz-meta-last-modified` entry, key and all, to `last-modified`). What CloudFront
    does with such an entry is unconfirmed (spec 1.5), so it is said in `warnings`.
    """
    if not isinstance(value, dict):
        raise ValidationFailure(f"{where} must be an object of header lists")
    fields: list[tuple[str, str]] = []
    for name, entries in value.items():
        if not isinstance(entries, list):
            raise ValidationFailure(f"{where}['{name}'] must be an array of {{key, value}} objects")
        for entry in entries:
            if not isinstance(entry, dict) or "value" not in entry:
                raise ValidationFailure(f"{where}['{name}'] entries must be objects with a 'value'")
            key = entry.get("key", canonical_key(name))
            header_value = entry["value"]
            if not isinstance(key, str) or not _TOKEN.fullmatch(key):
                raise ValidationFailure(f"{where}['{name}'] has an invalid header name {key!r}")
            if key.lower() != name.lower():
                if not _TOKEN.fullmatch(name):
                    raise ValidationFailure(f"{where} has an invalid header name {name!r}")
                key = canonical_key(name)
                warnings.append(
                    f"{where}['{name}'] has key '{entry['key']}', another header's name: edgesim sends it as '{key}' "
                    "(the map name), as the developer guide's last-modified example expects; "
                    "what CloudFront does with such a key is unconfirmed"
                )
            if not isinstance(header_value, str):
                raise ValidationFailure(
                    f"header '{name}' has a value of type {type(header_value).__name__}: each header value must be a string"
                )
            if _BAD_VALUE_CHAR.search(header_value):
                raise ValidationFailure(f"header '{name}' has an invalid character (CR, LF or another control character) in its value")
            fields.append((key, header_value))
    return fields


def _by_name(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in fields:
        out.setdefault(name.lower(), []).append(value)
    return out


def _checked_headers(sent: SentEvent, before: Headers, hidden: list[tuple[str, str]], value: Any, where: str) -> Headers:
    """Returned headers after the disallowed / read-only rules, with hidden ones put back."""
    fields = read_headers(value, where, sent.warnings)
    shown_before = [(n, v) for n, v in before if not is_disallowed(n)]
    after = _by_name(fields)
    violations = header_violations("lambda", sent.event_type, _by_name(shown_before), after)
    if violations:
        raise ValidationFailure("; ".join(str(v) for v in violations))
    if sent.event_type == VIEWER_REQUEST:
        added = sorted(ADDED_AFTER_VIEWER_REQUEST & (set(after) - set(_by_name(shown_before))))
        if added:
            raise ValidationFailure(f"header '{added[0]}' cannot be added at viewer-request: CloudFront adds it later")
    return Headers(fields + hidden)


def read_request(sent: SentEvent, result: dict[str, Any]) -> tuple[EdgeRequest, Origin | None]:
    original = sent.call.request
    request = original.copy()
    uri = result.get("uri", original.uri)
    if not isinstance(uri, str) or not uri.startswith("/"):
        raise ValidationFailure(f"invalid URI format {uri!r}: the uri must be a string that starts with '/'")
    query = result.get("querystring", original.querystring)
    if not isinstance(query, str) or _BAD_QUERY_CHAR.search(query):
        raise ValidationFailure("invalid querystring: it must be a string without spaces, control characters or '#'")
    if len(uri) + len(query) >= MAX_URL_CHARS:
        raise ValidationFailure(f"uri and querystring together must be shorter than {MAX_URL_CHARS} characters")
    request.uri, request.querystring = uri, query
    if "headers" in result:
        request.headers = _checked_headers(sent, original.headers, sent.hidden_request_headers, result["headers"], "request.headers")
    if "body" in result:
        request.body = read_request_body(sent, result["body"])
    origin = None
    returned = result.get("origin")
    # Only what the function changed is checked: the configured origin may be local (an IP).
    if sent.event_type == ORIGIN_REQUEST and returned not in (None, sent.cf["request"].get("origin")):
        origin = read_origin(sent, returned, request.headers)
        if origin == sent.call.origin:
            origin = None
    return request, origin


def read_request_body(sent: SentEvent, body: Any) -> bytes:
    """`read-only` keeps the full original body; `replace` decodes and truncates (3.2)."""
    original = sent.call.request.body
    if not isinstance(body, dict):
        raise ValidationFailure("request.body must be an object")
    action = body.get("action", "read-only")
    if action == "read-only":
        return original
    if action != "replace":
        raise ValidationFailure(f"request.body.action must be 'read-only' or 'replace', got {action!r}")
    encoding = body.get("encoding", "base64")
    data = body.get("data", "")
    if encoding not in BODY_REPLACE_LIMIT or not isinstance(data, str):
        raise ValidationFailure("request.body.encoding must be 'base64' or 'text' and request.body.data a string")
    limit = BODY_REPLACE_LIMIT[encoding][sent.event_type]
    if encoding == "text":
        return data.encode("utf-8")[:limit]
    return _b64decode(data[:limit], "request.body.data")


def _b64decode(data: str, where: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailure(f"{where} is not valid base64") from None


def _status(value: Any) -> int:
    """`status` as a string of digits or a JSON number: the developer guide's examples
    return both ('302' when generating a redirect, 200 and 302 when rewriting an error)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValidationFailure(
            f"status {json.dumps(value)} is invalid: it must be a status code, as a number or a string of digits"
        )
    status = int(value)
    if not 200 <= status <= 599:
        raise ValidationFailure(f"status {status} is invalid: it must be between 200 and 599")
    return status


def _response_body(sent: SentEvent, result: dict[str, Any], headers: Headers) -> bytes | None:
    """The body a response sets (None when it sets none), within the trigger's size limit."""
    if "body" not in result:
        body_text = None
    else:
        body_text = result["body"]
        if not isinstance(body_text, str):
            raise ValidationFailure("body must be a string")
    encoding = result.get("bodyEncoding", "text")
    if encoding not in ("text", "base64"):
        raise ValidationFailure(f"bodyEncoding must be 'text' or 'base64', got {encoding!r}")
    size = headers.raw_size() + (len(body_text.encode("utf-8")) if body_text else 0)
    limit = GENERATED_RESPONSE_LIMIT[sent.event_type]
    if size > limit:
        raise ValidationFailure(f"the response size {size} bytes (headers and body) exceeds the maximum allowed {limit} bytes")
    if body_text is None:
        return None
    if encoding == "base64":
        return _b64decode(body_text, "body")
    return body_text.encode("utf-8")


def read_generated_response(sent: SentEvent, result: dict[str, Any]) -> EdgeResponse:
    """A response generated in a request event: only `status` is required."""
    status = _status(result.get("status"))
    fields = read_headers(result.get("headers", {}), "response.headers", sent.warnings)
    bad = [name for name, _ in fields if is_disallowed(name)]
    if bad:
        raise ValidationFailure(f"header '{bad[0].lower()}' is disallowed: edge functions may not add it")
    headers = Headers(fields)
    body = _response_body(sent, result, headers) or b""
    if sent.event_type == VIEWER_REQUEST and status == 204 and body:
        raise ValidationFailure("a viewer-request response with status 204 cannot have a body")
    return EdgeResponse(status, headers, body, _description(result))


def read_response(sent: SentEvent, result: dict[str, Any]) -> EdgeResponse:
    """The (updated) response of a response event; an unset body passes the original through."""
    original = sent.call.response
    assert original is not None
    status = _status(result.get("status"))
    if sent.event_type == VIEWER_RESPONSE and status != original.status:
        raise ValidationFailure(f"viewer-response cannot change the status ({original.status} to {status})")
    headers = original.headers.copy()
    if "headers" in result:
        headers = _checked_headers(sent, original.headers, sent.hidden_response_headers, result["headers"], "response.headers")
    body = _response_body(sent, result, headers)
    description = _description(result) if "statusDescription" in result else original.status_description
    return EdgeResponse(status, headers, original.body if body is None else body, description)


def _description(result: dict[str, Any]) -> str:
    value = result.get("statusDescription", "")
    if not isinstance(value, str):
        raise ValidationFailure("statusDescription must be a string")
    return value


def read_origin(sent: SentEvent, value: Any, request_headers: Headers) -> Origin:
    """`request.origin` as returned in origin-request, checked field by field (spec 1.7)."""
    base = sent.call.origin
    assert base is not None
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("custom", "s3"):
        raise ValidationFailure("request.origin must hold exactly one of 'custom' or 's3'")
    kind, fields = next(iter(value.items()))
    where = f"request.origin.{kind}"
    if not isinstance(fields, dict):
        raise ValidationFailure(f"{where} must be an object")
    domain = fields.get("domainName")
    path = fields.get("path", "")
    custom = read_headers(fields.get("customHeaders", {}), f"{where}.customHeaders", sent.warnings)
    for name, _ in custom:
        if is_disallowed(name):
            raise ValidationFailure(f"{where}.customHeaders has the disallowed header '{name}'")
        if name in request_headers:
            raise ValidationFailure(f"{where}.customHeaders has '{name}', which is already a request header")
    if not isinstance(path, str) or path and (not path.startswith("/") or path.endswith("/")):
        raise ValidationFailure(f"{where}.path must be empty or start with '/' and not end with '/'")
    if not isinstance(domain, str) or not domain:
        raise ValidationFailure(f"{where}.domainName must be a non-empty string")
    keep_override = base.url_override if domain == base.domain_name else None
    if kind == "s3":
        return _read_s3_origin(base, fields, where, domain, path, tuple(custom), keep_override)
    return _read_custom_origin(sent, base, fields, where, domain, path, tuple(custom), keep_override)


def _read_custom_origin(
    sent: SentEvent, base: Origin, fields: dict[str, Any], where: str, domain: str, path: str,
    custom: tuple[tuple[str, str], ...], url_override: str | None,
) -> Origin:
    if domain != base.domain_name and (":" in domain or len(domain) > 253 or _is_ip(domain)):
        raise ValidationFailure(f"{where}.domainName must be a DNS name (no IP address, no ':', at most 253 characters)")
    if len(path) > 255:
        raise ValidationFailure(f"{where}.path must be at most 255 characters")
    protocol = fields.get("protocol", origin_protocol(base, sent.call.request.scheme))
    if protocol not in ("http", "https"):
        raise ValidationFailure(f"{where}.protocol must be 'http' or 'https'")
    default_port = (base.https_port if protocol == "https" else base.http_port) if not base.is_s3 else (443 if protocol == "https" else 80)
    port = fields.get("port", default_port)
    if not isinstance(port, int) or not (port in (80, 443) or 1024 <= port <= 65535):
        raise ValidationFailure(f"{where}.port must be 80, 443 or 1024-65535")
    keepalive = _int_in(fields.get("keepaliveTimeout", int(base.keepalive_timeout)), 1, 60, f"{where}.keepaliveTimeout")
    read_timeout = _int_in(fields.get("readTimeout", int(base.read_timeout)), 4, 60, f"{where}.readTimeout")
    ssl = fields.get("sslProtocols", list(base.ssl_protocols))
    if not isinstance(ssl, list) or not ssl or not set(ssl) <= SSL_PROTOCOLS:
        raise ValidationFailure(f"{where}.sslProtocols must list some of {', '.join(sorted(SSL_PROTOCOLS))}")
    ports = {"https_port": port} if protocol == "https" else {"http_port": port}
    return dataclasses.replace(
        base, domain_name=domain, origin_path=path, custom_headers=custom,
        protocol_policy=f"{protocol}-only", read_timeout=float(read_timeout), keepalive_timeout=float(keepalive),
        ssl_protocols=tuple(ssl), is_s3=False, s3_origin_access_identity="", s3_region=None, url_override=url_override,
        **ports,
    )


def _read_s3_origin(
    base: Origin, fields: dict[str, Any], where: str, domain: str, path: str,
    custom: tuple[tuple[str, str], ...], url_override: str | None,
) -> Origin:
    if len(domain) > 128 or domain != domain.lower():
        raise ValidationFailure(f"{where}.domainName must be a lower-case bucket name of at most 128 characters")
    auth = fields.get("authMethod", "none")
    if auth not in ("origin-access-identity", "none"):
        raise ValidationFailure(f"{where}.authMethod must be 'origin-access-identity' or 'none'")
    region = fields.get("region")
    if region is not None and not isinstance(region, str):
        raise ValidationFailure(f"{where}.region must be a string")
    oai = ""
    if auth == "origin-access-identity":
        if not region:
            raise ValidationFailure(f"{where}.region is required with authMethod 'origin-access-identity'")
        if not base.is_s3 or not base.s3_origin_access_identity:
            raise ValidationFailure(f"{where}.authMethod 'origin-access-identity' needs the original S3 origin's identity")
        oai = base.s3_origin_access_identity
    return dataclasses.replace(
        base, domain_name=domain, origin_path=path, custom_headers=custom, is_s3=True,
        s3_origin_access_identity=oai, s3_region=region, url_override=url_override,
    )


def _int_in(value: Any, low: int, high: int, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationFailure(f"{where} must be an integer from {low} to {high}")
    return value


def _is_ip(domain: str) -> bool:
    try:
        ipaddress.ip_address(domain)
    except ValueError:
        return False
    return True
