from __future__ import annotations

from collections.abc import Callable

import pytest

from edgesim.cache.key import cache_key_for
from edgesim.cache.policies import CachePolicy, PolicyCatalog, Selection
from edgesim.cache.viewer import ViewerInfo
from edgesim.edge.model import EdgeRequest

DOMAIN = "d111111abcdef8.cloudfront.net"
Req = Callable[..., EdgeRequest]


def policy(**kw: object) -> CachePolicy:
    return CachePolicy(id="p", name="p", **kw)  # type: ignore[arg-type]


def test_default_key_uses_distribution_domain_not_viewer_host(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingOptimized")
    a = cache_key_for(make_request(headers=[("Host", "www.example.com")]), p, DOMAIN)
    b = cache_key_for(make_request(headers=[("Host", "cdn.example.com")]), p, DOMAIN)
    assert a == b and a.host == DOMAIN


def test_keying_host_separates_alternate_domains(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("UseOriginCacheControlHeaders")
    a = cache_key_for(make_request(headers=[("Host", "www.example.com")]), p, DOMAIN)
    b = cache_key_for(make_request(headers=[("Host", "cdn.example.com")]), p, DOMAIN)
    assert a != b and a.host == "www.example.com"


def test_caching_optimized_ignores_query_strings_and_cookies(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingOptimized")
    a = cache_key_for(make_request(query="v=1", headers=[("Cookie", "s=1")]), p, DOMAIN)
    b = cache_key_for(make_request(query="v=2", headers=[("Cookie", "s=2")]), p, DOMAIN)
    assert a == b and a.query == "" and a.cookies == ()


def test_caching_optimized_keys_normalized_accept_encoding(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingOptimized")
    key = lambda ae: cache_key_for(make_request(headers=[("Accept-Encoding", ae)]), p, DOMAIN).accept_encoding  # noqa: E731
    assert key("gzip, deflate, br") == "br,gzip"
    assert key("deflate, gzip;q=0.5") == "gzip"
    assert key("br") == "br"
    assert key("deflate") is None
    assert key("gzip;q=0, br") == "br"


def test_uncompressed_policy_keys_no_accept_encoding(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingOptimizedForUncompressedObjects")
    assert cache_key_for(make_request(headers=[("Accept-Encoding", "gzip, br")]), p, DOMAIN).accept_encoding is None


def test_gzip_only_policy_keys_gzip_even_when_viewer_sends_both(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("Elemental-MediaPackage")
    assert cache_key_for(make_request(headers=[("Accept-Encoding", "br, gzip")]), p, DOMAIN).accept_encoding == "gzip"


def test_http10_viewer_gets_no_accept_encoding_in_key(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingOptimized")
    req = make_request(headers=[("Accept-Encoding", "gzip")], http_version="1.0")
    assert cache_key_for(req, p, DOMAIN).accept_encoding is None


def test_media_package_keys_only_its_query_strings_in_viewer_order(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("Elemental-MediaPackage")
    key = cache_key_for(make_request(query="end=9&x=1&start=2&m=3"), p, DOMAIN)
    assert key.query == "end=9&start=2&m=3"


def test_media_package_keys_origin_header(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("Elemental-MediaPackage")
    a = cache_key_for(make_request(headers=[("Origin", "https://a.test")]), p, DOMAIN)
    b = cache_key_for(make_request(headers=[("origin", "https://b.test")]), p, DOMAIN)
    assert a != b and a.headers == (("origin", "https://a.test"),)


def test_amplify_keys_authorization_country_host_cookies_and_query(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("Amplify")
    req = make_request(query="b=2&a=1", headers=[("Host", "app.test"), ("Authorization", "Bearer x"), ("Cookie", "z=1; a=2")])
    key = cache_key_for(req, p, DOMAIN, ViewerInfo(country="DE"))
    assert key.host == "app.test" and key.query == "b=2&a=1"
    assert key.headers == (("authorization", "Bearer x"), ("cloudfront-viewer-country", "DE"))
    assert key.cookies == (("a", "2"), ("z", "1"))
    assert key.accept_encoding is None  # the viewer sent no Accept-Encoding


def test_cloudfront_header_in_key_ignores_viewer_sent_value(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("Amplify")
    req = make_request(headers=[("CloudFront-Viewer-Country", "FR")])
    assert dict(cache_key_for(req, p, DOMAIN, ViewerInfo(country="JP")).headers)["cloudfront-viewer-country"] == "JP"


def test_caching_disabled_key_is_domain_and_path_only(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingDisabled")
    key = cache_key_for(make_request(query="a=1", headers=[("Cookie", "a=1"), ("Accept-Encoding", "gzip")]), p, DOMAIN)
    assert (key.host, key.path, key.query, key.headers, key.cookies, key.accept_encoding) == (DOMAIN, "/a.js", "", (), (), None)


def test_header_names_case_insensitive_values_case_sensitive(make_request: Req) -> None:
    p = policy(headers=Selection("whitelist", ("X-Tenant",), case_sensitive=False))
    a = cache_key_for(make_request(headers=[("x-tenant", "acme")]), p, DOMAIN)
    b = cache_key_for(make_request(headers=[("X-TENANT", "acme")]), p, DOMAIN)
    c = cache_key_for(make_request(headers=[("X-Tenant", "ACME")]), p, DOMAIN)
    assert a == b != c


def test_header_order_in_request_does_not_matter(make_request: Req) -> None:
    p = policy(headers=Selection("whitelist", ("B", "A"), case_sensitive=False))
    a = cache_key_for(make_request(headers=[("A", "1"), ("B", "2")]), p, DOMAIN)
    b = cache_key_for(make_request(headers=[("B", "2"), ("A", "1")]), p, DOMAIN)
    assert a == b


def test_absent_header_differs_from_empty_header(make_request: Req) -> None:
    p = policy(headers=Selection("whitelist", ("X-A",), case_sensitive=False))
    assert cache_key_for(make_request(), p, DOMAIN) != cache_key_for(make_request(headers=[("X-A", "")]), p, DOMAIN)


def test_query_string_order_matters_under_all(make_request: Req) -> None:
    p = policy(query_strings=Selection("all"))
    assert cache_key_for(make_request(query="a=1&b=2"), p, DOMAIN) != cache_key_for(make_request(query="b=2&a=1"), p, DOMAIN)


def test_query_string_names_and_values_are_case_sensitive(make_request: Req) -> None:
    p = policy(query_strings=Selection("whitelist", ("v",)))
    assert cache_key_for(make_request(query="V=1"), p, DOMAIN).query == ""
    assert cache_key_for(make_request(query="v=A"), p, DOMAIN) != cache_key_for(make_request(query="v=a"), p, DOMAIN)


def test_semicolon_is_part_of_a_query_value(make_request: Req) -> None:
    p = policy(query_strings=Selection("whitelist", ("a",)))
    assert cache_key_for(make_request(query="a=1;b=2&c=3"), p, DOMAIN).query == "a=1;b=2"


def test_query_all_except_drops_listed_names(make_request: Req) -> None:
    p = policy(query_strings=Selection("allExcept", ("utm_source", "fbclid")))
    assert cache_key_for(make_request(query="utm_source=x&id=7&fbclid=y"), p, DOMAIN).query == "id=7"


def test_query_values_are_kept_undecoded(make_request: Req) -> None:
    p = policy(query_strings=Selection("all"))
    assert cache_key_for(make_request(query="q=a%20b+c"), p, DOMAIN).query == "q=a%20b+c"


@pytest.mark.parametrize(
    "behavior, items, expected",
    [
        ("none", (), ()),
        ("whitelist", ("s",), (("s", "1"),)),
        ("allExcept", ("s",), (("t", "2"),)),
        ("all", (), (("s", "1"), ("t", "2"))),
    ],
)
def test_cookie_behaviors(make_request: Req, behavior: str, items: tuple[str, ...], expected: tuple) -> None:
    p = policy(cookies=Selection(behavior, items))
    assert cache_key_for(make_request(headers=[("Cookie", "t=2; s=1")]), p, DOMAIN).cookies == expected


def test_cookie_names_case_sensitive(make_request: Req) -> None:
    p = policy(cookies=Selection("whitelist", ("session",)))
    assert cache_key_for(make_request(headers=[("Cookie", "Session=1")]), p, DOMAIN).cookies == ()


def test_cookies_from_several_cookie_headers(make_request: Req) -> None:
    p = policy(cookies=Selection("all"))
    key = cache_key_for(make_request(headers=[("Cookie", "b=2"), ("Cookie", "a=1")]), p, DOMAIN)
    assert key.cookies == (("a", "1"), ("b", "2"))


def test_cached_options_key_includes_method_get_and_head_share(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingOptimized")
    get = cache_key_for(make_request(method="GET"), p, DOMAIN)
    head = cache_key_for(make_request(method="HEAD"), p, DOMAIN)
    options = cache_key_for(make_request(method="OPTIONS"), p, DOMAIN)
    assert get == head != options and options.method == "OPTIONS"


def test_path_is_case_sensitive(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingOptimized")
    assert cache_key_for(make_request(uri="/A.js"), p, DOMAIN) != cache_key_for(make_request(uri="/a.js"), p, DOMAIN)


def test_key_text_is_readable(catalog: PolicyCatalog, make_request: Req) -> None:
    p = catalog.cache_policy("CachingOptimized")
    key = cache_key_for(make_request(headers=[("Accept-Encoding", "gzip")]), p, DOMAIN)
    assert str(key) == f"{DOMAIN}/a.js | ae=gzip"
