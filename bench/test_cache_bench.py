"""Micro benchmarks of the per-request cache work: building a key and looking it up."""

from __future__ import annotations

from pytest_benchmark.fixture import BenchmarkFixture

from edgesim.cache.key import cache_key_for
from edgesim.cache.policies import PolicyCatalog
from edgesim.cache.store import CacheStore, Freshness
from edgesim.cache.ttl import CacheDecision
from edgesim.edge.model import EdgeRequest, Headers

DOMAIN = "d111111abcdef8.cloudfront.net"
REQUEST = EdgeRequest(
    "GET",
    "/static/app.3f9c.js",
    "v=42&utm_source=x",
    Headers(
        [
            ("Host", "www.example.com"),
            ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/126.0"),
            ("Accept", "*/*"),
            ("Accept-Encoding", "gzip, deflate, br, zstd"),
            ("Accept-Language", "en-US,en;q=0.5"),
            ("Cookie", "session=abc123; theme=dark; _ga=GA1.2.3"),
            ("Origin", "https://www.example.com"),
        ]
    ),
)


def test_cache_key_caching_optimized(benchmark: BenchmarkFixture) -> None:
    policy = PolicyCatalog.from_config().cache_policy("CachingOptimized")
    key = benchmark(cache_key_for, REQUEST, policy, DOMAIN)
    assert key.accept_encoding == "br,gzip"


def test_cache_key_with_headers_cookies_and_query(benchmark: BenchmarkFixture) -> None:
    policy = PolicyCatalog.from_config().cache_policy("UseOriginCacheControlHeaders-QueryStrings")
    key = benchmark(cache_key_for, REQUEST, policy, DOMAIN)
    assert key.host == "www.example.com" and len(key.cookies) == 3


def test_store_lookup_hit_among_ten_thousand(benchmark: BenchmarkFixture) -> None:
    policy = PolicyCatalog.from_config().cache_policy("CachingOptimized")
    store = CacheStore(max_bytes=512 * 1024 * 1024, clock=lambda: 0.0)
    body = b"x" * 1024
    for i in range(10_000):
        req = EdgeRequest("GET", f"/asset/{i}.js", headers=REQUEST.headers)
        store.put(cache_key_for(req, policy, DOMAIN), 200, Headers([("Content-Type", "text/javascript")]), body, CacheDecision(store=True, ttl=60))
    key = cache_key_for(EdgeRequest("GET", "/asset/5000.js", headers=REQUEST.headers), policy, DOMAIN)
    result = benchmark(store.lookup, key)
    assert result.state is Freshness.FRESH
