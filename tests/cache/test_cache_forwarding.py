from __future__ import annotations

from collections.abc import Callable

import pytest

from edgesim.cache.forwarding import OriginRequest, forwards_cookies, origin_request_for
from edgesim.cache.policies import CachePolicy, OriginRequestPolicy, PolicyCatalog, Selection
from edgesim.cache.viewer import ViewerInfo
from edgesim.edge.model import EdgeRequest

Req = Callable[..., EdgeRequest]
ORIGIN = "origin.internal"


def cp(**kw: object) -> CachePolicy:
    return CachePolicy(id="c", name="c", **kw)  # type: ignore[arg-type]


def orp(**kw: object) -> OriginRequestPolicy:
    return OriginRequestPolicy(id="o", name="o", **kw)  # type: ignore[arg-type]


def send(request: EdgeRequest, cache: CachePolicy, origin_policy: OriginRequestPolicy | None = None, **kw: object) -> OriginRequest:
    viewer = kw.pop("viewer", None) or ViewerInfo.from_request(request)
    return origin_request_for(request, cache, origin_policy, origin_domain=ORIGIN, viewer=viewer, **kw)  # type: ignore[arg-type]


VIEWER_HEADERS = [
    ("Host", "www.example.com"),
    ("User-Agent", "Mozilla/5.0"),
    ("Accept", "text/html"),
    ("Accept-Language", "de"),
    ("Referer", "https://ref.test/"),
    ("Authorization", "Bearer t"),
    ("Cookie", "b=2; a=1"),
    ("X-Forwarded-Proto", "https"),
    ("Connection", "keep-alive"),
    ("Proxy-Authorization", "x"),
    ("X-Real-IP", "1.2.3.4"),
    ("X-Edge-Thing", "y"),
    ("X-Amz-Cf-Id", "spoofed"),
    ("X-Custom", "c"),
    ("Accept-Encoding", "gzip, br"),
    ("Content-Type", "application/json"),
    ("Content-Length", "2"),
]


def test_defaults_only_without_policy_values(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(query="a=1", headers=VIEWER_HEADERS, client_ip="192.0.2.9"), catalog.cache_policy("CachingOptimized"))
    assert out.headers.items() == [
        ("Host", ORIGIN),
        ("Content-Type", "application/json"),
        ("User-Agent", "Amazon CloudFront"),
        ("Accept-Encoding", "br,gzip"),
        ("X-Forwarded-For", "192.0.2.9"),
    ]
    assert out.querystring == "" and out.target == "/a.js"


def test_all_viewer_forwards_everything_but_always_stripped_headers(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(headers=VIEWER_HEADERS), catalog.cache_policy("CachingDisabled"), catalog.origin_request_policy("AllViewer"))
    names = {n.lower() for n in out.headers.names()}
    assert {"host", "user-agent", "accept", "accept-language", "referer", "authorization", "cookie", "x-custom"} <= names
    assert out.headers.get("Host") == "www.example.com"
    assert out.headers.get("User-Agent") == "Mozilla/5.0"
    for stripped in ("x-forwarded-proto", "connection", "proxy-authorization", "x-real-ip", "x-edge-thing", "x-amz-cf-id", "content-length"):
        assert stripped not in names


def test_all_viewer_except_host_sends_origin_domain_as_host(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(headers=VIEWER_HEADERS), catalog.cache_policy("CachingDisabled"), catalog.origin_request_policy("AllViewerExceptHostHeader"))
    assert out.headers.get_all("Host") == [ORIGIN]
    assert out.headers.get("Authorization") == "Bearer t"


def test_keyed_host_reaches_origin(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(headers=VIEWER_HEADERS), catalog.cache_policy("UseOriginCacheControlHeaders"))
    assert out.headers.get("Host") == "www.example.com"


def test_s3_origin_never_gets_viewer_host(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(headers=VIEWER_HEADERS), catalog.cache_policy("CachingDisabled"), catalog.origin_request_policy("AllViewer"), origin_is_s3=True)
    assert out.headers.get("Host") == ORIGIN


def test_authorization_dropped_unless_keyed_or_all_viewer(catalog: PolicyCatalog, make_request: Req) -> None:
    req = make_request(headers=VIEWER_HEADERS)
    assert "authorization" not in send(req, catalog.cache_policy("CachingOptimized"), catalog.origin_request_policy("UserAgentRefererHeaders")).headers
    assert send(req, catalog.cache_policy("Amplify")).headers.get("Authorization") == "Bearer t"
    # even a (rejected) allow list naming it does not forward it
    assert "authorization" not in send(req, cp(), orp(headers=Selection("whitelist", ("Authorization",), case_sensitive=False))).headers


def test_user_agent_referer_policy_forwards_those_headers(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(headers=VIEWER_HEADERS), catalog.cache_policy("CachingOptimized"), catalog.origin_request_policy("UserAgentRefererHeaders"))
    assert out.headers.get("User-Agent") == "Mozilla/5.0" and out.headers.get("Referer") == "https://ref.test/"
    assert "accept-language" not in out.headers


def test_identity_sent_when_viewer_accepts_neither_enabled_encoding(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(headers=[("Accept-Encoding", "deflate")]), catalog.cache_policy("CachingOptimized"))
    assert out.headers.get("Accept-Encoding") == "identity"


def test_accept_encoding_is_an_ordinary_header_without_compression_flags(catalog: PolicyCatalog, make_request: Req) -> None:
    req = make_request(headers=[("Accept-Encoding", "gzip, deflate")])
    assert "accept-encoding" not in send(req, catalog.cache_policy("CachingOptimizedForUncompressedObjects")).headers
    all_viewer = send(req, catalog.cache_policy("CachingDisabled"), catalog.origin_request_policy("AllViewer"))
    assert all_viewer.headers.get("Accept-Encoding") == "gzip, deflate"


def test_forwarded_cookies_are_sorted_by_name(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(headers=[("Cookie", "zeta=1; alpha=2"), ("Cookie", "mid=3")]), catalog.cache_policy("CachingDisabled"), catalog.origin_request_policy("AllViewer"))
    assert out.headers.get_all("Cookie") == ["alpha=2; mid=3; zeta=1"]


def test_x_forwarded_for_appends_viewer_ip(make_request: Req) -> None:
    out = send(make_request(headers=[("X-Forwarded-For", "203.0.113.1")], client_ip="192.0.2.4"), cp())
    assert out.headers.get_all("X-Forwarded-For") == ["203.0.113.1, 192.0.2.4"]


def test_origin_path_prefixes_the_path(make_request: Req) -> None:
    assert send(make_request(uri="/a/b.html"), cp(), origin_path="/production").path == "/production/a/b.html"


def test_custom_headers_overwrite_viewer_values_and_edge_headers_added(make_request: Req) -> None:
    out = send(
        make_request(headers=[("X-Secret", "viewer")]),
        cp(headers=Selection("whitelist", ("X-Secret",), case_sensitive=False)),
        custom_headers=[("X-Secret", "s3cr3t")],
        request_id="abc==",
        via="1.1 0123.cloudfront.net (CloudFront)",
    )
    assert out.headers.get_all("X-Secret") == ["s3cr3t"]
    assert out.headers.get("X-Amz-Cf-Id") == "abc=="
    assert out.headers.get("Via") == "1.1 0123.cloudfront.net (CloudFront)"


def test_cloudfront_forwarded_proto_on_request_replaces_stripped_x_forwarded_proto(make_request: Req) -> None:
    policy = orp(headers=Selection("whitelist", ("CloudFront-Forwarded-Proto",), case_sensitive=False))
    out = send(make_request(headers=[("X-Forwarded-Proto", "http"), ("CloudFront-Forwarded-Proto", "spoof")], scheme="https"), cp(), policy)
    assert out.headers.get_all("CloudFront-Forwarded-Proto") == ["https"]
    assert "x-forwarded-proto" not in out.headers


def test_all_viewer_and_cloudfront_headers_computes_viewer_headers(catalog: PolicyCatalog, make_request: Req) -> None:
    req = make_request(headers=[("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"), ("CloudFront-Viewer-Country", "XX")], client_ip="198.51.100.7", client_port=51234)
    viewer = ViewerInfo.from_request(req, country="DE", city="München")
    out = send(req, catalog.cache_policy("CachingDisabled"), catalog.origin_request_policy("AllViewerAndCloudFrontHeaders-2022-06"), viewer=viewer)
    h = out.headers
    assert h.get_all("CloudFront-Viewer-Country") == ["DE"]
    assert h.get("CloudFront-Viewer-Address") == "198.51.100.7:51234"
    assert h.get("CloudFront-Viewer-City") == "M%C3%BCnchen"
    assert (h.get("CloudFront-Is-IOS-Viewer"), h.get("CloudFront-Is-Mobile-Viewer"), h.get("CloudFront-Is-Desktop-Viewer")) == ("true", "true", "false")
    assert "cloudfront-viewer-asn" not in h  # unknown location facts are omitted
    assert "cloudfront-viewer-tls" not in h  # plain http viewer


def test_viewer_sent_cloudfront_headers_do_not_pass_unrequested(catalog: PolicyCatalog, make_request: Req) -> None:
    out = send(make_request(headers=[("CloudFront-Viewer-Country", "XX")]), catalog.cache_policy("CachingDisabled"), catalog.origin_request_policy("AllViewer"))
    assert "cloudfront-viewer-country" not in out.headers


def test_range_and_content_type_pass_without_a_policy(make_request: Req) -> None:
    out = send(make_request(headers=[("Range", "bytes=0-9"), ("If-None-Match", '"x"')]), cp())
    assert out.headers.get("Range") == "bytes=0-9"
    assert "if-none-match" not in out.headers


# Spec 3.3's table, cookies and query strings: (cache behavior, ORP behavior) -> forwarded names
# of viewer values a, b, c; the cache list is ("a",) and the ORP list ("b",).
COMBINATIONS = [
    ("none", None, ""),
    ("none", "all", "abc"),
    ("none", "whitelist", "b"),
    ("none", "allExcept", "ac"),
    ("all", None, "abc"),
    ("all", "whitelist", "abc"),
    ("all", "allExcept", "abc"),
    ("whitelist", None, "a"),
    ("whitelist", "all", "abc"),
    ("whitelist", "whitelist", "ab"),
    ("whitelist", "allExcept", "ac"),
    ("allExcept", None, "bc"),
    ("allExcept", "all", "abc"),
    ("allExcept", "whitelist", "bc"),
    ("allExcept", "allExcept", "c"),
]


@pytest.mark.parametrize("cache_b, orp_b, expected", COMBINATIONS)
def test_orp_combination_table_for_query_strings(make_request: Req, cache_b: str, orp_b: str | None, expected: str) -> None:
    cache = cp(query_strings=Selection(cache_b, ("a",) if cache_b in ("whitelist", "allExcept") else ()))
    origin_policy = None if orp_b is None else orp(query_strings=Selection(orp_b, ("b",) if orp_b in ("whitelist", "allExcept") else ()))
    out = send(make_request(query="a=1&b=2&c=3"), cache, origin_policy)
    assert "".join(p[0] for p in out.querystring.split("&") if p) == expected


@pytest.mark.parametrize("cache_b, orp_b, expected", COMBINATIONS)
def test_orp_combination_table_for_cookies(make_request: Req, cache_b: str, orp_b: str | None, expected: str) -> None:
    cache = cp(cookies=Selection(cache_b, ("a",) if cache_b in ("whitelist", "allExcept") else ()))
    origin_policy = None if orp_b is None else orp(cookies=Selection(orp_b, ("b",) if orp_b in ("whitelist", "allExcept") else ()))
    out = send(make_request(headers=[("Cookie", "c=3; b=2; a=1")]), cache, origin_policy)
    cookie = out.headers.get("Cookie") or ""
    assert "".join(p.strip()[0] for p in cookie.split(";") if p.strip()) == expected


def test_orp_header_block_list_loses_to_cache_key_headers(make_request: Req) -> None:
    cache = cp(headers=Selection("whitelist", ("X-A",), case_sensitive=False))
    policy = orp(headers=Selection("allExcept", ("x-a", "x-b"), case_sensitive=False))
    out = send(make_request(headers=[("X-A", "1"), ("X-B", "2"), ("X-C", "3")]), cache, policy)
    assert (out.headers.get("X-A"), out.headers.get("X-B"), out.headers.get("X-C")) == ("1", None, "3")


def test_forwards_cookies_when_either_policy_does(catalog: PolicyCatalog) -> None:
    assert not forwards_cookies(catalog.cache_policy("CachingOptimized"), None)
    assert forwards_cookies(catalog.cache_policy("CachingOptimized"), catalog.origin_request_policy("AllViewer"))
    assert forwards_cookies(catalog.cache_policy("Amplify"), None)
