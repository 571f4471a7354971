"""Property tests: the cache key as spec/cloudfront-caching.md §3.1 says (header order and
name case do not matter, values do; query order and raw bytes matter; cookie names and
values are compared exactly), and the access log (§7.11): any request and response give
exactly 33 tab-separated fields on one line that decode back to the bytes logged."""

from __future__ import annotations

import io
from urllib.parse import unquote_to_bytes

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from edgesim.cache.key import cache_key_for
from edgesim.cache.policies import CachePolicy, Selection
from edgesim.edge.exchange import Exchange
from edgesim.edge.hooks import EdgeContext
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.observe.access_log import FIELD_NAMES, AccessLog

BUDGET = settings(max_examples=150, deadline=None)
DOMAIN = "d111111abcdef8.cloudfront.net"

# Wire bytes as the edge's model holds them (ISO-8859-1 readings), including UTF-8 text.
wire = st.one_of(
    st.binary(max_size=10).map(lambda b: bytes(c for c in b if c == 9 or 0x20 <= c != 0x7F).decode("latin-1")),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, blacklist_categories=("Cs", "Cc")), max_size=6)
    .map(lambda t: t.encode("utf-8").decode("latin-1")),
)
names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True).filter(lambda n: n not in ("cookie", "host", "accept-encoding"))
cookie_value = wire.map(lambda v: v.replace(";", "").strip(" \t"))
query_piece = st.from_regex(r"[A-Za-z0-9%+=~._;-]{1,8}", fullmatch=True) | wire.map(
    lambda v: v.replace("&", "").replace(" ", "").replace("#", "").replace("\t", "")).filter(bool)


def policy(headers: list[str], cookies: Selection, query: Selection) -> CachePolicy:
    return CachePolicy(id="p", name="p", headers=Selection("whitelist" if headers else "none", tuple(headers), False),
                       cookies=cookies, query_strings=query)


def request(fields: list[tuple[str, str]], query: str = "", cookie: str | None = None) -> EdgeRequest:
    extra = [("Cookie", cookie)] if cookie is not None else []
    return EdgeRequest(method="GET", uri="/k", querystring=query, headers=Headers([("Host", DOMAIN), *fields, *extra]))


@BUDGET
@given(st.dictionaries(names, st.lists(wire, min_size=1, max_size=3), min_size=1, max_size=5), st.randoms(use_true_random=False),
       st.data())
def test_key_ignores_header_order_and_name_case_and_sees_every_value(by_name, rnd, data) -> None:
    keyed = sorted(data.draw(st.sets(st.sampled_from(sorted(by_name)), min_size=1)))
    p = policy(keyed, Selection(), Selection())
    fields = [(n, v) for n, values in by_name.items() for v in values]
    # Another arrival order (each name's own values keep their order) and other name cases.
    order = list(by_name)
    rnd.shuffle(order)
    moved = [("".join(c.upper() if rnd.random() < 0.5 else c for c in n), v) for n in order for v in by_name[n]]
    assert cache_key_for(request(fields), p, DOMAIN) == cache_key_for(request(moved), p, DOMAIN)
    # Any change of a keyed value, even of case or one byte, is another object.
    name = data.draw(st.sampled_from(keyed))
    other = data.draw(wire.filter(lambda v: v != by_name[name][0]))
    changed = [(n, other if n == name and v is by_name[name][0] else v) for n, v in fields]
    assert cache_key_for(request(changed), p, DOMAIN) != cache_key_for(request(fields), p, DOMAIN)


@BUDGET
@given(st.lists(query_piece, min_size=2, max_size=5, unique=True), st.sampled_from(["all", "whitelist", "allExcept"]))
def test_key_keeps_query_order_and_raw_bytes(pieces, behavior) -> None:
    names_in = [p.split("=", 1)[0] for p in pieces]
    assume(len(set(names_in)) == len(names_in))
    selection = Selection(behavior, tuple(names_in) if behavior == "whitelist" else (), True)
    p = policy([], Selection(), selection)
    forward = cache_key_for(request([], "&".join(pieces)), p, DOMAIN)
    backward = cache_key_for(request([], "&".join(reversed(pieces))), p, DOMAIN)
    assert forward.query == "&".join(pieces)  # exactly as received: no decoding, no '+' to space
    assert forward != backward
    # A name matches case-sensitively: another case is another parameter (dropped by a whitelist).
    upper = [p.upper() for p in pieces]
    if upper != pieces:
        assert cache_key_for(request([], "&".join(upper)), p, DOMAIN) != forward


@BUDGET
@example(pairs=[("id", "Ã\xa0")], behavior="all")  # UTF-8 'à' ends in 0xA0, which is not a space
@given(st.lists(st.tuples(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True), cookie_value),
                min_size=1, max_size=4, unique_by=lambda p: p[0]),
       st.sampled_from(["all", "whitelist"]))
def test_key_sees_cookie_values_exactly_and_names_by_case(pairs, behavior) -> None:
    selection = Selection(behavior, tuple(n for n, _ in pairs) if behavior == "whitelist" else (), True)
    p = policy([], selection, Selection())
    line = "; ".join(f"{n}={v}" for n, v in pairs)
    key = cache_key_for(request([], cookie=line), p, DOMAIN)
    assert key.cookies == tuple(sorted(pairs))  # the values as sent, sorted by name
    # Order of cookies in the header does not matter (CloudFront sorts them).
    assert cache_key_for(request([], cookie="; ".join(f"{n}={v}" for n, v in reversed(pairs))), p, DOMAIN) == key
    # One more byte in a value is another object.
    name, value = pairs[0]
    bumped = line.replace(f"{name}={value}", f"{name}={value}x", 1)
    assert cache_key_for(request([], cookie=bumped), p, DOMAIN) != key


def logged(exchange: Exchange) -> list[str]:
    stream = io.StringIO()
    AccessLog(stream, include_cookies=True)(exchange)
    lines = stream.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == 4, lines  # #Version, #Fields, one record, then the final newline
    return lines[2].split("\t")


# Anything a viewer or a hook can put in a field: tabs, CR, LF, spaces, '%', '-', non-ASCII.
nasty = st.text(st.sampled_from(list("\t\r\n %-+\"'#<>~\\aZ0é家\x00\x7f") + ["\u2028", "\xa0"]), max_size=12)


def as_logged(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


@BUDGET
@example(uri="/a b\tc\nd", query="q=%41&x=-", agent="-", referer="Mozilla/5.0 (X11; ü)", cookie="a=1; b=\t2",
         content_type="text/html; charset=\"utf-8\"", status=200)
@given(uri=nasty.map(lambda s: "/" + s), query=nasty, agent=nasty, referer=nasty, cookie=nasty, content_type=nasty,
       status=st.sampled_from([200, 206, 304, 403, 502]))
def test_access_log_line_has_33_fields_that_decode_back(uri, query, agent, referer, cookie, content_type, status) -> None:
    headers = [("Host", DOMAIN), ("User-Agent", agent), ("Referer", referer), ("Cookie", cookie)]
    viewer = EdgeRequest(method="GET", uri=uri, querystring=query, headers=Headers(headers), client_ip="203.0.113.9",
                         client_port=5555)
    response = EdgeResponse(status=status, headers=Headers([("Content-Type", content_type), ("Content-Length", "5")]),
                            body=b"hello")
    exchange = Exchange(context=EdgeContext("rid", "EDFDVBD6EXAMPLE", DOMAIN, pop="FRA56-C1"), viewer_request=viewer,
                        response=response, bytes_sent=123)
    fields = logged(exchange)
    assert len(fields) == 33
    record = dict(zip(FIELD_NAMES, fields, strict=True))
    for field, value in [("cs-uri-stem", uri), ("cs-uri-query", query), ("cs(User-Agent)", agent),
                         ("cs(Referer)", referer), ("cs(Cookie)", cookie), ("sc-content-type", content_type)]:
        text = record[field]
        assert text.isascii() and text.isprintable() and " " not in text, (field, text)
        if value == "" or value == "-":
            assert text == "-"  # missing and a literal '-' read the same, as in CloudFront's logs
        else:
            assert unquote_to_bytes(text) == as_logged(value), (field, value, text)
    assert record["sc-status"] == str(status)
