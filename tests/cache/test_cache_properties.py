"""Properties that must hold for any request, not just the examples elsewhere."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edgesim.cache.key import CacheKey, cache_key_for
from edgesim.cache.policies import CachePolicy, Selection
from edgesim.cache.store import invalidation_matches
from edgesim.edge.model import EdgeRequest, Headers

DOMAIN = "d.cloudfront.net"
name = st.text(alphabet="abcXYZ-_", min_size=1, max_size=6)
value = st.text(alphabet="abc123%+=;", max_size=6)
pairs = st.lists(st.tuples(name, value), max_size=6)
path = st.text(alphabet="/abcAB.-_~%", min_size=0, max_size=12).map(lambda p: "/" + p)
POLICY = CachePolicy(
    id="p",
    name="p",
    headers=Selection("whitelist", ("X-A", "X-B"), case_sensitive=False),
    cookies=Selection("allExcept", ("a",)),
    query_strings=Selection("all"),
    gzip=True,
    brotli=True,
)


def request(headers: list[tuple[str, str]], cookies: list[tuple[str, str]], query: list[tuple[str, str]]) -> EdgeRequest:
    all_headers = list(headers)
    if cookies:
        all_headers.append(("Cookie", "; ".join(f"{n}={v}" for n, v in cookies)))
    qs = "&".join(f"{n}={v}" for n, v in query)
    return EdgeRequest("GET", "/p", qs, Headers(all_headers))


@settings(max_examples=50, deadline=None)
@given(headers=pairs, cookies=pairs, query=pairs, seed=st.randoms())
def test_key_is_stable_under_header_reordering(headers, cookies, query, seed) -> None:  # type: ignore[no-untyped-def]
    headers = [(n, v) for n, v in headers if n.lower() != "cookie"]
    # one value per header name: reordering distinct names must not change the key
    unique = list({n.lower(): (n, v) for n, v in headers}.values())
    shuffled = unique[:]
    seed.shuffle(shuffled)
    a = cache_key_for(request(unique, cookies, query), POLICY, DOMAIN)
    b = cache_key_for(request(shuffled, cookies, query), POLICY, DOMAIN)
    assert a == b and hash(a) == hash(b)


@settings(max_examples=50, deadline=None)
@given(headers=pairs, cookies=st.dictionaries(name, value, max_size=5), seed=st.randoms())
def test_key_ignores_cookie_order(headers, cookies, seed) -> None:  # type: ignore[no-untyped-def]
    items = list(cookies.items())
    shuffled = items[:]
    seed.shuffle(shuffled)
    assert cache_key_for(request([], items, []), POLICY, DOMAIN) == cache_key_for(request([], shuffled, []), POLICY, DOMAIN)


@settings(max_examples=50, deadline=None)
@given(headers=pairs, junk=pairs)
def test_key_ignores_headers_the_policy_does_not_name(headers, junk) -> None:  # type: ignore[no-untyped-def]
    named = [(n, v) for n, v in headers if n.lower() in ("x-a", "x-b")]
    other = [(f"Y-{n}", v) for n, v in junk]
    assert cache_key_for(request(named, [], []), POLICY, DOMAIN) == cache_key_for(request(named + other, [], []), POLICY, DOMAIN)


@settings(max_examples=100, deadline=None)
@given(p=path, query=st.text(alphabet="ab=&1", max_size=6), cut=st.integers(min_value=0, max_value=20))
def test_wildcard_invalidation_matches_exactly_the_prefixes(p: str, query: str, cut: int) -> None:
    key = CacheKey(host=DOMAIN, path=p, query=query)
    full = key.invalidation_path
    prefix = full[: max(1, min(cut, len(full)))]
    assert invalidation_matches(prefix + "*", key)
    assert invalidation_matches(full, key)
    assert invalidation_matches("/*", key)


@settings(max_examples=100, deadline=None)
@given(p=path, other=path)
def test_exact_invalidation_matches_only_the_same_path(p: str, other: str) -> None:
    key = CacheKey(host=DOMAIN, path=p)
    assert invalidation_matches(other, key) == (other == p)
    assert not invalidation_matches(p, CacheKey(host=DOMAIN, path=p, query="v=1"))
