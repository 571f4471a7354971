"""The CloudFront Functions event, both ways (spec §1 and §2).

Out: an `EdgeRequest` (and `EdgeResponse`) become the event a function sees: lower-case
header maps of `{value, multiValue}`, cookies apart from headers, the query string
still percent-encoded, disallowed headers hidden. Back: what the function returned is
checked as CloudFront checks it and becomes an `EdgeRequest` or `EdgeResponse` again,
following the `multiValue` write-back rules and re-casing header names. Anything the
function did not change goes back exactly as it arrived.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from edgesim.edge.header_rules import header_violations, read_only_headers
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

# JSON text as `runtime._encode` writes it (compact, ASCII): the C string quoter, and
# the generic encoder for anything that is not a str.
_quote = json.encoder.encode_basestring_ascii
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

# Per header name, cached (the same few names come by on every request; bounded so that
# a stream of made-up names cannot grow them without end).
_CACHE_LIMIT = 4096
_NAME_INFO: dict[str, tuple[str, bool]] = {}  # as received -> (lower-case, disallowed)
_VALID_NAMES: dict[str, str] = {}  # names a function returned that are HTTP tokens -> lower-case
_RECASED: dict[str, str] = {}


def _name_info(name: str) -> tuple[str, bool]:
    if len(_NAME_INFO) >= _CACHE_LIMIT:
        _NAME_INFO.clear()
    lower = name.lower()
    info = _NAME_INFO[name] = (lower, is_disallowed(lower))
    return info


class FunctionValidationError(Exception):
    """The function returned something CloudFront refuses (a 502); the message says what."""


def recase(name: str) -> str:
    """CloudFront's output casing: each hyphen-separated word capitalised (`x-webp` -> `X-Webp`)."""
    cased = _RECASED.get(name)
    if cased is None:
        if len(_RECASED) >= _CACHE_LIMIT:
            _RECASED.clear()
        cased = _RECASED[name] = "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
    return cased


@dataclass
class Sent:
    """What the function was shown, kept to read its answer against.

    `*_shown` maps hold values as the function saw them (UTF-8 text); `*_raw` the same
    occurrences as they arrived, which is what goes on when the function left a name alone.
    (When every value is valid text the two are the same object; neither is changed.)
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
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Side:
    """One message (request or response) split as the event shows it."""

    headers_raw: dict[str, list[Item]]
    headers_shown: dict[str, list[Item]]
    hidden: list[tuple[str, str]]
    cookie_lines: list[str]
    cookies_raw: dict[str, list[Item]]
    cookies_shown: dict[str, list[Item]]


def _request_side(request: EdgeRequest) -> _Side:
    raw, hidden, lines = _split_headers(request.headers, "cookie")
    cookies = _parse_request_cookies(lines)
    return _Side(raw, _shown(raw), hidden, lines, cookies, _shown(cookies))


def _response_side(response: EdgeResponse) -> _Side:
    raw, hidden, lines = _split_headers(response.headers, "set-cookie")
    cookies = _parse_response_cookies(lines)
    return _Side(raw, _shown(raw), hidden, lines, cookies, _shown(cookies))


def _sent(event_type: str, request: EdgeRequest, response: EdgeResponse | None, query: dict[str, list[Item]],
          request_side: _Side, response_side: _Side | None) -> Sent:
    side = response_side if response_side is not None else request_side
    return Sent(
        event_type=event_type,
        request=request,
        response=response,
        headers_shown=side.headers_shown,
        headers_raw=side.headers_raw,
        hidden=side.hidden,
        query=query,
        cookies_shown=side.cookies_shown,
        cookies_raw=side.cookies_raw,
        cookie_lines=side.cookie_lines,
    )


def build_event(
    event_type: str, context: EdgeContext, request: EdgeRequest, response: EdgeResponse | None = None
) -> tuple[dict[str, Any], Sent]:
    """The event for `event_type` as objects, and the record needed to read the function's answer.

    The hook sends `build_event_json`'s text instead, which is this event written as JSON
    without building the objects first (the tests hold the two to the same text).
    """
    if event_type == VIEWER_RESPONSE and response is None:
        raise ValueError("a viewer-response event needs the response")
    query = _parse_query(request.querystring)
    request_side = _request_side(request)
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
            "querystring": _as_map(_shown(query)),
            "headers": _as_map(request_side.headers_shown),
            "cookies": _as_map(request_side.cookies_shown),
        },
    }
    response_side = None
    if event_type == VIEWER_RESPONSE:
        assert response is not None
        response_side = _response_side(response)
        event["response"] = {
            "statusCode": response.status,
            "statusDescription": response.status_description or _phrase(response.status),
            "headers": _as_map(response_side.headers_shown),
            "cookies": _as_map(response_side.cookies_shown),
        }
    return event, _sent(event_type, request, response, query, request_side, response_side)


_PREFIXES: dict[tuple[Any, Any, str], str] = {}


def build_event_json(
    event_type: str, context: EdgeContext, request: EdgeRequest, response: EdgeResponse | None = None
) -> tuple[str, Sent]:
    """`build_event`'s event as the JSON text the runtime sends, and the same record.

    The text is exactly what JSON-encoding `build_event`'s objects gives, written
    straight from the split headers; the parts that do not change per request (version,
    distribution, event type) are written once per distribution.
    """
    if event_type == VIEWER_RESPONSE and response is None:
        raise ValueError("a viewer-response event needs the response")
    key = (context.distribution_domain_name, context.distribution_id, event_type)
    prefix = _PREFIXES.get(key)
    if prefix is None:
        if len(_PREFIXES) >= 64:
            _PREFIXES.clear()
        prefix = _PREFIXES[key] = (
            '{"version":"1.0","context":{"distributionDomainName":' + _encode(key[0])
            + ',"distributionId":' + _encode(key[1]) + ',"eventType":' + _encode(event_type) + ',"requestId":'
        )
    query = _parse_query(request.querystring)
    request_side = _request_side(request)
    parts = [
        prefix, _json(context.request_id), '},"viewer":{"ip":', _json(request.client_ip),
        '},"request":{"method":', _json(request.method), ',"uri":', _json(_text(request.uri)),
        ',"querystring":', _map_json(_shown(query)), ',"headers":', _map_json(request_side.headers_shown),
        ',"cookies":', _map_json(request_side.cookies_shown), "}",
    ]
    response_side = None
    if event_type == VIEWER_RESPONSE:
        assert response is not None
        response_side = _response_side(response)
        parts += [
            ',"response":{"statusCode":', _json(response.status), ',"statusDescription":',
            _json(response.status_description or _phrase(response.status)),
            ',"headers":', _map_json(response_side.headers_shown),
            ',"cookies":', _map_json(response_side.cookies_shown), "}",
        ]
    parts.append("}")
    return "".join(parts), _sent(event_type, request, response, query, request_side, response_side)


def _json(value: Any) -> str:
    if type(value) is str:
        return _quote(value)
    return int.__repr__(value) if type(value) is int else _encode(value)


def _map_json(items_by_name: dict[str, list[Item]]) -> str:
    """`_encode(_as_map(items_by_name))`, without the objects."""
    if not items_by_name:
        return "{}"
    parts = []
    quote = _quote
    for name, items in items_by_name.items():
        if len(items) == 1:
            value, attributes = items[0]
            if attributes is None and type(value) is str:
                parts.append(quote(name) + ':{"value":' + quote(value) + "}")
                continue
            parts.append(quote(name) + ":" + _item_json(items[0]))
        else:
            first = _item_json(items[0])[:-1]
            parts.append(quote(name) + ":" + first + ',"multiValue":[' + ",".join([_item_json(item) for item in items]) + "]}")
    return "{" + ",".join(parts) + "}"


def _item_json(item: Item) -> str:
    value, attributes = item
    if attributes is None:
        return '{"value":' + _json(value) + "}"
    return '{"value":' + _json(value) + ',"attributes":' + _json(attributes) + "}"


def _split_headers(headers: Headers, cookie_name: str) -> tuple[dict[str, list[Item]], list[tuple[str, str]], list[str]]:
    """Visible headers by lower-case name, the disallowed ones hidden, and the cookie lines."""
    visible: dict[str, list[Item]] = {}
    hidden: list[tuple[str, str]] = []
    cookie_lines: list[str] = []
    known = _NAME_INFO
    for name, value in headers:
        info = known.get(name)
        lower, disallowed = info if info is not None else _name_info(name)
        if lower == cookie_name:
            cookie_lines.append(value)
        elif disallowed:
            hidden.append((name, value))
        else:
            items = visible.get(lower)
            if items is None:
                visible[lower] = [(value, None)]
            else:
                items.append((value, None))
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
    headers, touched = _merge("headers", sent.headers_shown, sent.headers_raw, value.get("headers", {}), lower=True)
    _check_headers(sent, headers, touched)
    cookies, _ = _merge("cookies", sent.cookies_shown, sent.cookies_raw, value.get("cookies", {}))
    out = _header_list(sent, headers)
    if cookies == sent.cookies_raw:
        out.extend([("Cookie", line) for line in sent.cookie_lines])
    elif cookies:
        out.append(("Cookie", "; ".join([f"{n}={v}" for n, items in cookies.items() for v, _ in items])))
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
    before_shown: dict[str, list[Item]] = {} if generated else sent.headers_shown
    before_raw: dict[str, list[Item]] = {} if generated else sent.headers_raw
    headers, touched = _merge("headers", before_shown, before_raw, value.get("headers", {}), lower=True)
    if generated:
        bad = [n for n in headers if is_disallowed(n)]
        if bad:
            raise FunctionValidationError("; ".join(f"header '{n}' is disallowed: edge functions may not add it" for n in bad))
    else:
        _check_headers(sent, headers, touched)
    cookies_before: dict[str, list[Item]] = {} if generated else sent.cookies_shown
    cookies_raw: dict[str, list[Item]] = {} if generated else sent.cookies_raw
    cookies, _ = _merge("cookies", cookies_before, cookies_raw, value.get("cookies", {}), attributes=True)
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
        out.extend([("Set-Cookie", line) for line in sent.cookie_lines])
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
        merged, _ = _merge("querystring", _shown(sent.query), sent.query, value)
        if merged == sent.query:
            return sent.request.querystring
        built = "&".join([f"{n}={v}" for n, items in merged.items() for v, _ in items])
    if built == sent.request.querystring:
        return built
    if _BAD_QUERY.search(built):
        raise FunctionValidationError(f"query string must not contain spaces, control characters or '#': {built!r}")
    return built


def _check_headers(sent: Sent, headers: dict[str, list[Item]], touched: list[str]) -> None:
    """Refuse disallowed headers added and read-only ones touched (`header_violations`).

    Only names the function wrote (`touched`) can be new; read-only names are compared
    directly. When that finds nothing, `header_violations` would find nothing either;
    otherwise it is asked, for its exact wording.
    """
    raw = sent.headers_raw
    clean = True
    for name in touched:
        if name not in raw and is_disallowed(name):
            clean = False
            break
    if clean:
        for name in read_only_headers(KIND, sent.event_type):
            if raw.get(name) != headers.get(name):
                clean = False
                break
    if clean:
        return
    before = {n: [v for v, _ in items] for n, items in raw.items()}
    after = {n: [v for v, _ in items] for n, items in headers.items()}
    problems = header_violations(KIND, sent.event_type, before, after)
    if problems:
        raise FunctionValidationError("; ".join(str(p) for p in problems))


def _header_list(sent: Sent, headers: dict[str, list[Item]], hidden: bool = True) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    cased = _RECASED
    for name, items in headers.items():
        if name == "cookie" or name == "set-cookie":
            sent.warnings.append(f"header '{name}' set in headers is ignored: cookies come from the cookies object")
            continue
        recased = cased.get(name) or recase(name)
        if len(items) == 1:
            out.append((recased, items[0][0]))
        else:
            out.extend([(recased, value) for value, _ in items])
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
) -> tuple[dict[str, list[Item]], list[str]]:
    """Apply spec §1.6's write-back rules to one returned map.

    A changed `multiValue` replaces every occurrence; otherwise `value` replaces only
    the first and later occurrences stay. Names the function left alone keep their raw
    (as-received) values. Also returns the keys of the entries that were not left alone.
    """
    if not isinstance(after, dict):
        raise FunctionValidationError(f"{field_name} must be an object")
    out: dict[str, list[Item]] = {}
    touched: list[str] = []
    for name, entry in after.items():
        prior = shown.get(name)
        if prior is not None:
            if len(prior) == 1:
                value, attrs = prior[0]
                if attrs is None:  # `entry == {"value": value}`, without building the dict
                    same = type(entry) is dict and len(entry) == 1 and entry.get("value", _NONE) == value
                else:
                    same = entry == {"value": value, "attributes": attrs}
            else:
                same = entry == _entry_object(prior[0], prior)
            if same:  # untouched: as received, no checks needed
                got = out.get(name)
                if got is None:
                    out[name] = list(raw[name])
                else:
                    got.extend(raw[name])
                continue
        if lower:
            key = _VALID_NAMES.get(name)
            if key is None:
                if not _TOKEN.match(name):
                    raise FunctionValidationError(f"header name {name!r} is not a valid HTTP header name")
                if len(_VALID_NAMES) >= _CACHE_LIMIT:
                    _VALID_NAMES.clear()
                key = _VALID_NAMES[name] = name.lower()
        else:
            key = name
        if type(entry) is dict and len(entry) == 1 and type(value := entry.get("value")) is str and _plain(value):
            first: Item = (value, None)  # the usual `{value: "..."}`, as _entry would read it
            multi = None
        else:
            first, multi = _entry(field_name, name, entry, attributes)
        prior = shown.get(key, _NONE)
        if multi is not None and multi != (prior if len(prior) > 1 else None):
            occurrences = multi
        elif prior and first == prior[0]:
            occurrences = raw[key]
        else:
            occurrences = [first, *raw.get(key, _NONE)[1:]]
        got = out.get(key)
        if got is None:
            out[key] = list(occurrences)
        else:
            got.extend(occurrences)
        touched.append(key)
    return out, touched


_NONE: list[Item] = []


def _entry(field_name: str, name: str, entry: Any, attributes: bool) -> tuple[Item, list[Item] | None]:
    if not isinstance(entry, dict):
        raise FunctionValidationError(f"{field_name} '{name}' must be an object with a value")
    multi = None
    if "multiValue" in entry:
        if not isinstance(entry["multiValue"], list):
            raise FunctionValidationError(f"{field_name} '{name}': multiValue must be an array")
        what = f"{field_name} '{name}'"
        multi = [_item(what, element, attributes) for element in entry["multiValue"]]
    if "value" in entry:
        first = _item((field_name, name), entry, attributes)
    elif multi:
        first = multi[0]
    else:
        raise FunctionValidationError(f"{field_name} '{name}' has no value")
    return first, multi


def _item(what: str | tuple[str, str], entry: Any, attributes: bool) -> Item:
    """One `{value[, attributes]}`, checked. `what` names it in errors (a pair is written lazily)."""
    value = entry.get("value") if isinstance(entry, dict) else None
    if not isinstance(value, str):
        raise FunctionValidationError(f"{_what(what)}: value must be a string")
    if not _plain(value):
        if _BAD_VALUE.search(value):
            raise FunctionValidationError(f"{_what(what)}: value contains CR, LF or another control character")
        _utf8(_what(what), value)
    if not attributes:
        return value, None
    attrs = entry.get("attributes")
    if attrs is not None and not isinstance(attrs, str):
        raise FunctionValidationError(f"{_what(what)}: attributes must be a string")
    return value, attrs


def _plain(value: str) -> bool:
    """Printable ASCII: valid UTF-8 without a control character, so `_item` has nothing to check."""
    return value.isascii() and value.isprintable()


def _what(what: str | tuple[str, str]) -> str:
    return what if isinstance(what, str) else f"{what[0]} '{what[1]}'"


def _utf8(what: str, text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FunctionValidationError(f"{what} is not valid UTF-8 text (a lone surrogate)") from exc


def _text(value: str) -> str:
    """A value as a function sees it: its bytes as UTF-8 text, or as ISO-8859-1 when they are not UTF-8.

    The edge holds wire bytes read as ISO-8859-1 (`edge/app.py`), so a value whose
    characters all fit one byte is those bytes; anything else is text already (set by a
    hook) or bytes held as surrogate escapes.
    """
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
    """Values as the function sees them; `raw` itself when every value is ASCII (the usual case)."""
    for items in raw.values():
        for value, _ in items:
            if not value.isascii():
                return {name: [(_text(v), a) for v, a in items] for name, items in raw.items()}
    return raw


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


_WSP = " \t"


def _parse_request_cookies(lines: list[str]) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    for line in lines:
        for part in line.split(";"):
            part = part.strip(_WSP)  # spaces and tabs only: 0xA0 or 0x85 may be part of a UTF-8 character
            if part:
                name, _, value = part.partition("=")
                out.setdefault(name.strip(_WSP), []).append((value.strip(_WSP), None))
    return out


def _parse_response_cookies(lines: list[str]) -> dict[str, list[Item]]:
    out: dict[str, list[Item]] = {}
    for line in lines:
        pair, _, attributes = line.partition(";")
        name, _, value = pair.partition("=")
        if name.strip(_WSP):
            out.setdefault(name.strip(_WSP), []).append((value.strip(_WSP), attributes.strip(_WSP)))
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
