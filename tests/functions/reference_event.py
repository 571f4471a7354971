"""edgesim.functions.event as it was before the fast path (commit f58db57), kept verbatim
below this note as the reference the fast path is checked against (test_event_fast_path.py).
Do not edit but to carry a change of behaviour: it is the slow, obviously-faithful version.
Changed since: values are shown as UTF-8 when their bytes (held as ISO-8859-1) are UTF-8,
query values too, and cookies lose only spaces and tabs around them (tests/fuzz found it).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from edgesim.edge.header_rules import header_violations
from edgesim.edge.header_rules import is_disallowed as _is_disallowed
from edgesim.edge.hooks import VIEWER_REQUEST, VIEWER_RESPONSE, EdgeContext
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.functions.limits import URL_LIMIT

KIND = "function"
# One occurrence of a name: its value, and for response cookies the attributes string.
Item = tuple[str, "str | None"]

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# RFC 9110 §5.5: no control character in a field value but HTAB (CR and LF would split it).
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_QUERY = re.compile(r"[\x00-\x20\x7f#]")
_BAD_URI = re.compile(r"[\x00-\x20\x7f]")


# The same few header names come by on every request.
is_disallowed = functools.lru_cache(maxsize=4096)(_is_disallowed)


class FunctionValidationError(Exception):
    """The function returned something CloudFront refuses (a 502); the message says what."""


@functools.lru_cache(maxsize=4096)
def recase(name: str) -> str:
    """CloudFront's output casing: each hyphen-separated word capitalised (`x-webp` -> `X-Webp`)."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


@dataclass
class Sent:
    """What the function was shown, kept to read its answer against.

    `*_shown` maps hold values as the function saw them (UTF-8 text); `*_raw` the same
    occurrences as they arrived, which is what goes on when the function left a name alone.
    """

    event_type: str
    request: EdgeRequest
    response: EdgeResponse | None
    headers_shown: dict[str, list[Item]]
    headers_raw: dict[str, list[Item]]
    hidden: list[tuple[str, str]]
    query: dict[str, list[Item]]
    cookies_shown: dict[str, list[Item]]
    cookies_raw: dict[str, list[Item]]
    cookie_lines: list[str]
    sent_maps: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def build_event(
    event_type: str, context: EdgeContext, request: EdgeRequest, response: EdgeResponse | None = None
) -> tuple[dict[str, Any], Sent]:
    """The event for `event_type`, and the record needed to read the function's answer.

    The record shares the event's maps (to spot untouched entries cheaply), so the
    event is sent to the function as JSON and not changed in place.
    """
    request_raw, request_hidden, cookie_lines = _split_headers(request.headers, "cookie")
    query = _parse_query(request.querystring)
    request_cookies = _parse_request_cookies(cookie_lines)
    request_headers_map = _as_map(_shown(request_raw))
    request_cookies_map = _as_map(_shown(request_cookies))
    query_map = _as_map(_shown(query))
    event: dict[str, Any] = {
        "version": "1.0",
        "context": {
            "distributionDomainName": context.distribution_domain_name,
            "distributionId": context.distribution_id,
            "eventType": event_type,
            "requestId": context.request_id,
        },
        "viewer": {"ip": request.client_ip},
        "request": {
            "method": request.method,
            "uri": _text(request.uri),
            "querystring": query_map,
            "headers": request_headers_map,
            "cookies": request_cookies_map,
        },
    }
    sent_maps = {"querystring": query_map}
    if event_type == VIEWER_RESPONSE:
        if response is None:
            raise ValueError("a viewer-response event needs the response")
        headers_raw, hidden, lines = _split_headers(response.headers, "set-cookie")
        cookies_raw = _parse_response_cookies(lines)
        headers_map, cookies_map = _as_map(_shown(headers_raw)), _as_map(_shown(cookies_raw))
        event["response"] = {
            "statusCode": response.status,
            "statusDescription": response.status_description or _phrase(response.status),
            "headers": headers_map,
            "cookies": cookies_map,
        }
    else:
        headers_raw, hidden, lines, cookies_raw = request_raw, request_hidden, cookie_lines, request_cookies
        headers_map, cookies_map = request_headers_map, request_cookies_map
    sent_maps["headers"] = headers_map
    sent_maps["cookies"] = cookies_map
    sent = Sent(
        event_type=event_type,
        request=request,
        response=response,
        headers_shown=_shown(headers_raw),
        headers_raw=headers_raw,
        hidden=hidden,
        query=query,
        cookies_shown=_shown(cookies_raw),
        cookies_raw=cookies_raw,
        cookie_lines=lines,
        sent_maps=sent_maps,
    )
    return event, sent


def _split_headers(headers: Headers, cookie_name: str) -> tuple[dict[str, list[Item]], list[tuple[str, str]], list[str]]:
    """Visible headers by lower-case name, the disallowed ones hidden, and the cookie lines."""
    visible: dict[str, list[Item]] = {}
    hidden: list[tuple[str, str]] = []
    cookie_lines: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower == cookie_name:
            cookie_lines.append(value)
        elif is_disallowed(lower):
            hidden.append((name, value))
        else:
            visible.setdefault(lower, []).append((value, None))
    return visible, hidden, cookie_lines


def read_result(sent: Sent, value: Any) -> EdgeRequest | EdgeResponse:
    """Turn what the handler returned into the request to go on with or the response to send."""
    if not isinstance(value, dict):
        shown = "undefined" if value is None else type(value).__name__
        raise FunctionValidationError(f"the function must return a request or response object, not {shown}")
    if sent.event_type == VIEWER_REQUEST and "statusCode" not in value:
        return _read_request(sent, value)
    return _read_response(sent, value, generated=sent.event_type == VIEWER_REQUEST)


def _read_request(sent: Sent, value: dict[str, Any]) -> EdgeRequest:
    request = sent.request
    if value.get("method", request.method) != request.method:
        raise FunctionValidationError(
            f"method is read-only: the request was {request.method}, the function returned {value.get('method')!r}"
        )
    uri = value.get("uri")
    if not isinstance(uri, str) or not uri.startswith("/"):
        raise FunctionValidationError(f"uri must be a string starting with '/', got {uri!r}")
    if _BAD_URI.search(uri):
        raise FunctionValidationError(f"uri contains spaces or control characters: {uri!r}")
    querystring = _read_query(sent, value.get("querystring", {}))
    if len(uri) + 1 + len(querystring) >= URL_LIMIT:
        raise FunctionValidationError(f"uri plus query string must be under {URL_LIMIT} characters")
    headers = _merge("headers", sent.headers_shown, sent.headers_raw, value.get("headers", {}), lower=True,
                     sent_map=sent.sent_maps["headers"])
    _check_headers(sent, headers)
    cookies = _merge("cookies", sent.cookies_shown, sent.cookies_raw, value.get("cookies", {}),
                     sent_map=sent.sent_maps["cookies"])
    out = _header_list(sent, headers)
    if cookies == sent.cookies_raw:
        out.extend(("Cookie", line) for line in sent.cookie_lines)
    elif cookies:
        out.append(("Cookie", "; ".join(f"{n}={v}" for n, items in cookies.items() for v, _ in items)))
    result = request.copy()
    result.uri = uri if uri != _text(request.uri) else request.uri
    result.querystring = querystring
    result.headers = Headers(out)
    return result


def _read_response(sent: Sent, value: dict[str, Any], *, generated: bool) -> EdgeResponse:
    status = value.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise FunctionValidationError(f"statusCode must be an integer from 100 to 599, got {status!r}")
    description = value.get("statusDescription")
    if description is not None and not isinstance(description, str):
        raise FunctionValidationError("statusDescription must be a string")
    original = None if generated else sent.response
    if description is None:
        description = original.status_description if original is not None and original.status == status else ""
    before_shown = {} if generated else sent.headers_shown
    before_raw = {} if generated else sent.headers_raw
    headers = _merge("headers", before_shown, before_raw, value.get("headers", {}), lower=True,
                     sent_map=None if generated else sent.sent_maps["headers"])
    if generated:
        bad = [n for n in headers if is_disallowed(n)]
        if bad:
            raise FunctionValidationError("; ".join(f"header '{n}' is disallowed: edge functions may not add it" for n in bad))
    else:
        _check_headers(sent, headers)
    cookies_before = {} if generated else sent.cookies_shown
    cookies_raw = {} if generated else sent.cookies_raw
    cookies = _merge("cookies", cookies_before, cookies_raw, value.get("cookies", {}), attributes=True,
                     sent_map=None if generated else sent.sent_maps["cookies"])
    body: bytes | Any = b"" if original is None else original.body
    if "body" in value:
        body = _read_body(value["body"])
        length = headers.get("content-length")
        if length and length[0][0] != str(len(body)):
            sent.warnings.append(
                f"content-length {length[0][0]} does not match the {len(body)}-byte body; edgesim sent {len(body)}"
            )
        if length or generated:
            headers["content-length"] = [(str(len(body)), None)]
    out = _header_list(sent, headers, hidden=not generated)
    if not generated and cookies == sent.cookies_raw:
        out.extend(("Set-Cookie", line) for line in sent.cookie_lines)
    else:
        for name, items in cookies.items():
            for cookie_value, attributes in items:
                line = f"{name}={cookie_value}" + (f"; {attributes}" if attributes else "")
                out.append(("Set-Cookie", line))
    return EdgeResponse(status=status, headers=Headers(out), body=body, status_description=description)


def _read_body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return _utf8("body", body)
    if not isinstance(body, dict):
        raise FunctionValidationError("body must be a string or {encoding, data}")
    encoding, data = body.get("encoding", "text"), body.get("data", "")
    if not isinstance(data, str):
        raise FunctionValidationError("body.data must be a string")
    if encoding == "text":
        return _utf8("body.data", data)
    if encoding == "base64":
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise FunctionValidationError(f"body.data is not valid base64: {exc}") from exc
    raise FunctionValidationError(f"body.encoding must be 'text' or 'base64', got {encoding!r}")


def _read_query(sent: Sent, value: Any) -> str:
    """The query string to forward: the original if unchanged, else rebuilt and checked."""
    if isinstance(value, str):
        built = value[1:] if value.startswith("?") else value
    else:
        merged = _merge("querystring", _shown(sent.query), sent.query, value, sent_map=sent.sent_maps["querystring"])
        if merged == sent.query:
            return sent.request.querystring
        built = "&".join(f"{n}={v}" for n, items in merged.items() for v, _ in items)
    if built == sent.request.querystring:
        return built
    if _BAD_QUERY.search(built):
        raise FunctionValidationError(f"query string must not contain spaces, control characters or '#': {built!r}")
    return built


def _check_headers(sent: Sent, headers: dict[str, list[Item]]) -> None:
    before = {n: [v for v, _ in items] for n, items in sent.headers_raw.items()}
    after = {n: [v for v, _ in items] for n, items in headers.items()}
    problems = header_violations(KIND, sent.event_type, before, after)
    if problems:
        raise FunctionValidationError("; ".join(str(p) for p in problems))


def _header_list(sent: Sent, headers: dict[str, list[Item]], hidden: bool = True) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, items in headers.items():
        if name in ("cookie", "set-cookie"):
            sent.warnings.append(f"header '{name}' set in headers is ignored: cookies come from the cookies object")
            continue
        out.extend((recase(name), value) for value, _ in items)
    if hidden:
        out.extend(sent.hidden)
    return out


def _merge(
    field_name: str,
    shown: dict[str, list[Item]],
    raw: dict[str, list[Item]],
    after: Any,
    *,
    lower: bool = False,
    attributes: bool = False,
    sent_map: dict[str, Any] | None = None,
) -> dict[str, list[Item]]:
    """Apply spec §1.6's write-back rules to one returned map.

    A changed `multiValue` replaces every occurrence; otherwise `value` replaces only
    the first and later occurrences stay. Names the function left alone keep their raw
    (as-received) values.
    """
    if not isinstance(after, dict):
        raise FunctionValidationError(f"{field_name} must be an object")
    out: dict[str, list[Item]] = {}
    sent_map = sent_map or {}
    for name, entry in after.items():
        if name in sent_map and sent_map[name] == entry:
            out.setdefault(name, []).extend(raw[name])  # untouched: as received, no checks needed
            continue
        key = name.lower() if lower else name
        if lower:
            if not _TOKEN.match(name):
                raise FunctionValidationError(f"header name {name!r} is not a valid HTTP header name")
        first, multi = _entry(field_name, name, entry, attributes)
        prior = shown.get(key, [])
        prior_multi = prior if len(prior) > 1 else None
        if multi is not None and multi != prior_multi:
            occurrences = multi
        elif prior and first == prior[0]:
            occurrences = raw[key]
        else:
            occurrences = [first, *raw.get(key, [])[1:]]
        out.setdefault(key, []).extend(occurrences)
    return out


def _entry(field_name: str, name: str, entry: Any, attributes: bool) -> tuple[Item, list[Item] | None]:
    what = f"{field_name} '{name}'"
    if not isinstance(entry, dict):
        raise FunctionValidationError(f"{what} must be an object with a value")
    multi = None
    if "multiValue" in entry:
        if not isinstance(entry["multiValue"], list):
            raise FunctionValidationError(f"{what}: multiValue must be an array")
        multi = [_item(what, element, attributes) for element in entry["multiValue"]]
    if "value" in entry:
        first = _item(what, entry, attributes)
    elif multi:
        first = multi[0]
    else:
        raise FunctionValidationError(f"{what} has no value")
    return first, multi


def _item(what: str, entry: Any, attributes: bool) -> Item:
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
        raise FunctionValidationError(f"{what}: value must be a string")
    value = entry["value"]
    if _BAD_VALUE.search(value):
        raise FunctionValidationError(f"{what}: value contains CR, LF or another control character")
    _utf8(what, value)
    attrs = entry.get("attributes") if attributes else None
    if attrs is not None and not isinstance(attrs, str):
        raise FunctionValidationError(f"{what}: attributes must be a string")
    return value, attrs


def _utf8(what: str, text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FunctionValidationError(f"{what} is not valid UTF-8 text (a lone surrogate)") from exc


def _text(value: str) -> str:
    """A value as a function sees it: bytes that are not UTF-8 are read as ISO-8859-1."""
    if value.isascii():
        return value
    try:
        data = value.encode("latin-1")
    except UnicodeEncodeError:
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _shown(raw: dict[str, list[Item]]) -> dict[str, list[Item]]:
    return {name: [(_text(v), a) for v, a in items] for name, items in raw.items()}


def _as_map(items_by_name: dict[str, list[Item]]) -> dict[str, Any]:
    """Occurrence lists as the event's `{value, multiValue}` objects."""
    return {
        name: _entry_object(items[0], items if len(items) > 1 else None)
        for name, items in items_by_name.items()
    }


def _entry_object(first: Item, multi: list[Item] | None) -> dict[str, Any]:
    def one(item: Item) -> dict[str, str]:
        value, attributes = item
        return {"value": value} if attributes is None else {"value": value, "attributes": attributes}

    entry: dict[str, Any] = one(first)
    if multi is not None:
        entry["multiValue"] = [one(item) for item in multi]
    return entry


def _parse_query(raw: str) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    for part in raw.split("&") if raw else ():
        if part:
            name, _, value = part.partition("=")
            out.setdefault(name, []).append((value, None))
    return out


def _parse_request_cookies(lines: list[str]) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    for line in lines:
        for part in line.split(";"):
            part = part.strip(" \t")
            if part:
                name, _, value = part.partition("=")
                out.setdefault(name.strip(" \t"), []).append((value.strip(" \t"), None))
    return out


def _parse_response_cookies(lines: list[str]) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    for line in lines:
        pair, _, attributes = line.partition(";")
        name, _, value = pair.partition("=")
        if name.strip(" \t"):
            out.setdefault(name.strip(" \t"), []).append((value.strip(" \t"), attributes.strip(" \t")))
    return out


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def normalise_output(event_type: str, value: Any) -> dict[str, Any]:
    """TestFunction's `FunctionOutput`: the returned object under `request` or `response`,
    with only the fields CloudFront knows, `cookies` always present, entries checked."""
    if not isinstance(value, dict):
        shown = "undefined" if value is None else type(value).__name__
        raise FunctionValidationError(f"the function must return a request or response object, not {shown}")
    if event_type == VIEWER_RESPONSE or "statusCode" in value:
        response: dict[str, Any] = {"headers": _normal_map("headers", value.get("headers", {}), False)}
        if "statusDescription" in value:
            response["statusDescription"] = value["statusDescription"]
        response["cookies"] = _normal_map("cookies", value.get("cookies", {}), True)
        response["statusCode"] = value.get("statusCode")
        if "body" in value:
            response["body"] = value["body"]
        return {"response": response}
    query = value.get("querystring", {})
    if isinstance(query, str):
        query = _as_map(_parse_query(query[1:] if query.startswith("?") else query))
    return {
        "request": {
            "headers": _normal_map("headers", value.get("headers", {}), False),
            "method": value.get("method"),
            "querystring": _normal_map("querystring", query, False),
            "uri": value.get("uri"),
            "cookies": _normal_map("cookies", value.get("cookies", {}), False),
        }
    }


def _normal_map(field_name: str, value: Any, attributes: bool) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FunctionValidationError(f"{field_name} must be an object")
    out: dict[str, Any] = {}
    for name, entry in value.items():
        out[name] = _entry_object(*_entry(field_name, name, entry, attributes))
    return out
