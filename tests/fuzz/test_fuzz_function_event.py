"""Property tests: a CloudFront Functions event handed back unchanged, through the real
QuickJS runtime (both runtimes, one warm engine each), gives back what the viewer or the
origin sent: header values and their order within a name, names re-cased as CloudFront
re-cases them (`x-webp` -> `X-Webp`), hidden headers untouched, `Cookie` and
`Set-Cookie` lines, the raw query string and URI byte for byte.

Inputs are built as the edge builds them: wire bytes read as ISO-8859-1
(`edge/app.py`, `edge/origin_client.py`). The function must see those bytes as UTF-8
text when they are UTF-8, else as ISO-8859-1 (spec/cloudfront-functions.md §2.4, §7.18).
"""

from __future__ import annotations

import functools
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from edgesim.edge.header_rules import is_disallowed
from edgesim.edge.hooks import VIEWER_REQUEST, VIEWER_RESPONSE, EdgeContext
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.functions.event import build_event_json, read_result, recase
from edgesim.functions.runtime import Engine

BUDGET = settings(max_examples=60, deadline=None)
RUNTIMES = ("cloudfront-js-1.0", "cloudfront-js-2.0")
CONTEXT = EdgeContext("req-1", "EDFDVBD6EXAMPLE", "d111111abcdef8.cloudfront.net")
NOW_MS = 1_700_000_000_000.0


@functools.cache
def engine(runtime: str, event_type: str) -> Engine:
    """One warm engine per runtime and event type, reused by every example."""
    part = "request" if event_type == VIEWER_REQUEST else "response"
    return Engine(f"identity-{part}", f"function handler(e){{return e.{part}}}", runtime)


def wire(data: bytes) -> str:
    """Bytes as the edge's model holds them: read as ISO-8859-1."""
    return data.decode("latin-1")


def seen_as(value: str) -> str:
    """What a function must see for a model value: UTF-8 text if the bytes are UTF-8, else ISO-8859-1."""
    data = value.encode("latin-1")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return value


# Field values: wire bytes (printable ASCII, HTAB, bytes >= 0x80) and UTF-8 text.
value_bytes = st.one_of(
    st.binary(max_size=12).map(lambda b: bytes(c for c in b if c == 9 or 0x20 <= c != 0x7F)),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, blacklist_categories=("Cs", "Cc")), max_size=8)
    .map(lambda t: t.encode("utf-8")),
)
field_values = value_bytes.map(wire)
token_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9!#$%&'*+.^_`|~-]{0,10}", fullmatch=True)
header_names = st.one_of(
    token_names.filter(lambda n: n.lower() not in ("cookie", "set-cookie")),
    st.sampled_from(["Accept", "ACCEPT", "accept", "X-WebP", "x-webp", "X-Amz-Cf-Id", "Via", "Connection",
                     "X-Forwarded-Proto", "User-Agent", "CloudFront-Viewer-Country", "Content-Length", "42"]),
)
headers = st.lists(st.tuples(header_names, field_values), max_size=10)
# Cookie pairs: names are tokens; values anything but ';' (a viewer's cookie line as sent).
cookie_values = value_bytes.map(lambda b: wire(b.replace(b";", b"")))
cookie_lines = st.lists(
    st.lists(st.tuples(token_names, cookie_values), min_size=1, max_size=4).map(
        lambda pairs: "; ".join(f"{n}={v}" for n, v in pairs)),
    max_size=3,
)
# Query strings as received: no space or '#' (the viewer cannot send them), anything else,
# percent-escapes (also broken ones), '+', empty parts, names without '=', repeated names.
query_part = st.one_of(
    st.sampled_from(["%E5%AE%B6", "%20", "%2", "%%", "+", "=", "a", "A", "1", "%C3%A9", "~", ";", "/", "?"]),
    value_bytes.map(lambda b: wire(b.replace(b" ", b"").replace(b"#", b"").replace(b"\t", b""))),
)
query_strings = st.lists(st.tuples(query_part, st.sampled_from(["=", ""]), query_part), max_size=6).map(
    lambda parts: "&".join(n + eq + v for n, eq, v in parts))
uris = st.lists(st.sampled_from(["/", "a", "%2F", "%e9", "..", ".", "é".encode().decode("latin-1"), "\xe9", "~", ";x"]),
                max_size=6).map(lambda parts: "/" + "".join(parts))


def expected_headers(fields: list[tuple[str, str]], cookie: str) -> dict[str, list[tuple[str, str]]]:
    """Fields grouped by name: visible names re-cased, hidden (disallowed) ones as they came."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, value in fields:
        if name.lower() == cookie:
            continue
        shown = name if is_disallowed(name) else recase(name.lower())
        out.setdefault(name.lower(), []).append((shown, value))
    return out


def grouped(fields: Headers, cookie: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for name, value in fields:
        if name.lower() != cookie:
            out.setdefault(name.lower(), []).append((name, value))
    return out


def run_identity(runtime: str, event_type: str, request: EdgeRequest, response: EdgeResponse | None):
    """As the hook runs a function: JSON text out, the warm engine, the answer read back."""
    text, sent = build_event_json(event_type, CONTEXT, request, response)
    run = engine(runtime, event_type).run(text, event_type=event_type, now_ms=NOW_MS,
                                          raw_query=request.querystring or None)
    assert run.error is None and run.invalid is None, (run.error, run.invalid)
    return read_result(sent, run.value), text


@pytest.mark.parametrize("runtime", RUNTIMES)
@BUDGET
@given(fields=headers, cookies=cookie_lines, query=query_strings, uri=uris)
def test_request_handed_back_unchanged_keeps_every_byte(runtime: str, fields, cookies, query, uri) -> None:
    request = EdgeRequest(method="GET", uri=uri, querystring=query, client_ip="203.0.113.9",
                          headers=Headers([("Host", "d111111abcdef8.cloudfront.net"), *fields,
                                           *[("Cookie", line) for line in cookies]]))
    back, _ = run_identity(runtime, VIEWER_REQUEST, request, None)
    assert isinstance(back, EdgeRequest)
    assert back.method == "GET" and back.uri == uri and back.querystring == query
    assert grouped(back.headers, "cookie") == expected_headers(list(request.headers), "cookie")
    assert back.headers.get_all("Cookie") == cookies


@pytest.mark.parametrize("runtime", RUNTIMES)
@BUDGET
@given(fields=headers, set_cookies=st.lists(
    st.tuples(token_names, cookie_values, st.sampled_from(["", "; Path=/", "; Secure; HttpOnly", ";Max-Age=5"])),
    max_size=3).map(lambda cs: [f"{n}={v}{a}" for n, v, a in cs]),
       status=st.sampled_from([200, 201, 204, 301, 304, 399]), body=st.binary(max_size=32))
def test_response_handed_back_unchanged_keeps_every_byte(runtime: str, fields, set_cookies, status, body) -> None:
    request = EdgeRequest(method="GET", uri="/", headers=Headers([("Host", "d111111abcdef8.cloudfront.net")]))
    response = EdgeResponse(status=status, body=body,
                            headers=Headers([*fields, *[("Set-Cookie", line) for line in set_cookies]]))
    back, _ = run_identity(runtime, VIEWER_RESPONSE, request, response)
    assert isinstance(back, EdgeResponse)
    assert back.status == status and back.body == body
    assert grouped(back.headers, "set-cookie") == expected_headers(list(response.headers), "set-cookie")
    assert back.headers.get_all("Set-Cookie") == set_cookies


@functools.cache
def reporter() -> Engine:
    code = ("function handler(e){var r=e.request;console.log(JSON.stringify([r.headers['x-any'].value,"
            "r.cookies.c.value,r.querystring.q.value]));return r}")
    return Engine("seen", code, "cloudfront-js-2.0")


@BUDGET
@example(value="Â\xa0", cookie="Ã\xa0", query_value="%C3%A9\xc3\xa9")  # NBSP, 'à': 0xA0 is not a space in bytes
@given(value=field_values, cookie=cookie_values, query_value=query_part.map(lambda q: q.replace("&", "").replace("=", "")))
def test_the_function_sees_utf8_bytes_as_text_and_other_bytes_as_iso_8859_1(value, cookie, query_value) -> None:
    request = EdgeRequest(method="GET", uri="/", querystring=f"q={query_value}",
                          headers=Headers([("X-Any", value), ("Cookie", f"c={cookie}")]))
    text, _ = build_event_json(VIEWER_REQUEST, CONTEXT, request)
    run = reporter().run(text, event_type=VIEWER_REQUEST, now_ms=NOW_MS, raw_query=request.querystring)
    assert run.error is None, run.error
    # A cookie value loses the spaces and tabs around it (RFC 6265 §5.2), nothing else.
    assert json.loads(run.logs[-1]) == [seen_as(value), seen_as(cookie.strip(" \t")), seen_as(query_value)]
