from __future__ import annotations

import asyncio

import pytest

from edgesim.cache.key import CacheKey
from edgesim.cache.policies import PolicyCatalog
from edgesim.cache.store import (
    CacheStore,
    Freshness,
    RequestCollapser,
    collapses,
    invalidation_matches,
    validate_invalidation_path,
)
from edgesim.cache.ttl import CacheDecision
from edgesim.edge.model import Headers


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key(path: str = "/a.js", query: str = "", **kw: object) -> CacheKey:
    return CacheKey(host="d.cloudfront.net", path=path, query=query, **kw)  # type: ignore[arg-type]


def keep(ttl: int = 60, **kw: object) -> CacheDecision:
    return CacheDecision(store=True, ttl=ttl, **kw)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> CacheStore:
    return CacheStore(max_bytes=10_000, max_object_bytes=5_000, clock=clock)


def test_lookup_goes_fresh_then_stale_then_miss_after_invalidation(store: CacheStore, clock: Clock) -> None:
    assert store.lookup(key()).state is Freshness.MISS
    store.put(key(), 200, Headers(), b"x", keep(ttl=60))
    assert store.lookup(key()).state is Freshness.FRESH
    clock.now += 60
    hit = store.lookup(key())
    assert hit.state is Freshness.STALE and hit.entry is not None and hit.entry.age(clock.now) == 60
    store.invalidate("/a.js")
    assert store.lookup(key()).state is Freshness.MISS


def test_not_stored_when_decision_says_no(store: CacheStore) -> None:
    assert store.put(key(), 200, Headers(), b"x", CacheDecision(store=False)) is None
    assert len(store) == 0


def test_object_over_per_object_limit_is_not_stored(store: CacheStore) -> None:
    assert store.put(key(), 200, Headers(), b"x" * 6_000, keep()) is None
    assert store.bytes_used == 0


def test_lru_evicts_least_recently_used_by_bytes(store: CacheStore) -> None:
    for name in ("a", "b", "c"):
        store.put(key(f"/{name}"), 200, Headers(), b"x" * 3_000, keep())
    store.lookup(key("/a"))  # a is now more recent than b
    store.put(key("/d"), 200, Headers(), b"x" * 3_000, keep())
    assert store.lookup(key("/b")).state is Freshness.MISS
    assert all(store.lookup(key(f"/{n}")).state is Freshness.FRESH for n in "acd")
    assert store.bytes_used <= 10_000


def test_replacing_an_entry_does_not_leak_bytes(store: CacheStore) -> None:
    store.put(key(), 200, Headers(), b"x" * 100, keep())
    store.put(key(), 200, Headers(), b"x" * 200, keep())
    assert len(store) == 1 and store.bytes_used == 200


def test_vary_keeps_variants_apart(store: CacheStore) -> None:
    vary = Headers([("Vary", "Accept-Language")])
    store.put(key(), 200, vary, b"de", keep(), Headers([("Accept-Language", "de")]))
    store.put(key(), 200, vary, b"fr", keep(), Headers([("Accept-Language", "fr")]))
    de = store.lookup(key(), Headers([("accept-language", "de")]))
    assert de.entry is not None and de.entry.body == b"de"
    assert store.lookup(key(), Headers([("Accept-Language", "it")])).state is Freshness.MISS
    assert len(store) == 2


def test_changed_vary_list_replaces_older_variants(store: CacheStore) -> None:
    store.put(key(), 200, Headers([("Vary", "Accept-Language")]), b"de", keep(), Headers([("Accept-Language", "de")]))
    store.put(key(), 200, Headers([("Vary", "Origin")]), b"o", keep(), Headers([("Origin", "https://a.test")]))
    assert len(store) == 1 and store.bytes_used == store.entries()[0].size


def test_vary_on_unforwarded_header_matches_everyone(store: CacheStore) -> None:
    store.put(key(), 200, Headers([("Vary", "User-Agent")]), b"x", keep(), Headers())
    assert store.lookup(key(), Headers()).state is Freshness.FRESH


def test_invalidation_clears_all_variants_of_a_path(store: CacheStore) -> None:
    vary = Headers([("Vary", "Accept-Language")])
    store.put(key(), 200, vary, b"de", keep(), Headers([("Accept-Language", "de")]))
    store.put(key(), 200, vary, b"fr", keep(), Headers([("Accept-Language", "fr")]))
    store.put(key(accept_encoding="gzip"), 200, Headers(), b"gz", keep())
    assert store.invalidate("/a.js") == 3 and len(store) == 0 and store.bytes_used == 0


def test_invalidation_path_does_not_clear_query_string_variants(store: CacheStore) -> None:
    store.put(key(query="v=2"), 200, Headers(), b"x", keep())
    assert store.invalidate("/a.js") == 0
    assert store.invalidate("/a.js*") == 1


@pytest.mark.parametrize(
    "pattern, path, query, matches",
    [
        ("/images/*", "/images/a/b.png", "", True),
        ("/images*", "/images-old/x", "", True),
        ("/logo.*", "/logo.png", "", True),
        ("/*", "/anything", "q=1", True),
        ("/a.jpg", "/a.jpg", "x=1", False),
        ("/a.jpg*", "/a.jpg", "x=1", True),
        ("/A.jpg", "/a.jpg", "", False),
        ("/a.jpg", "/a.jpg", "", True),
    ],
)
def test_invalidation_matching(pattern: str, path: str, query: str, matches: bool) -> None:
    assert invalidation_matches(pattern, key(path, query)) is matches


@pytest.mark.parametrize("bad", ["images/*", "/a*b", "/*/x", "/" + "a" * 4000])
def test_invalid_invalidation_paths_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        validate_invalidation_path(bad)


def test_entries_list_key_size_and_ttl_left(store: CacheStore, clock: Clock) -> None:
    store.put(key(), 200, Headers([("ETag", '"1"')]), b"hello", keep(ttl=60))
    clock.now += 15
    (info,) = store.entries()
    assert (info.key, info.status, info.ttl_left, info.age) == (key(), 200, 45, 15)
    assert info.size == 5 + len("ETag") + len('"1"') + 4


def test_validators_from_etag_and_last_modified(store: CacheStore) -> None:
    headers = Headers([("ETag", '"v1"'), ("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT")])
    entry = store.put(key(), 200, headers, b"", keep())
    assert entry is not None
    assert entry.validators() == [("If-None-Match", '"v1"'), ("If-Modified-Since", "Wed, 01 Jan 2025 00:00:00 GMT")]


def test_vary_star_entries_revalidate_without_validators(store: CacheStore) -> None:
    entry = store.put(key(), 200, Headers([("ETag", '"v1"')]), b"", keep(ttl=0, conditional=False))
    assert entry is not None and entry.validators() == []


def test_refresh_after_304_restarts_ttl(store: CacheStore, clock: Clock) -> None:
    entry = store.put(key(), 200, Headers([("ETag", '"v1"')]), b"x", keep(ttl=10))
    assert entry is not None
    clock.now += 20
    assert store.lookup(key()).state is Freshness.STALE
    store.refresh(entry, keep(ttl=30), Headers([("ETag", '"v2"')]))
    assert store.lookup(key()).state is Freshness.FRESH and entry.headers.get("ETag") == '"v2"'


def test_strip_set_cookie_decision_drops_it_from_stored_headers(store: CacheStore) -> None:
    entry = store.put(key(), 200, Headers([("Set-Cookie", "s=1"), ("X-A", "1")]), b"", keep(strip_set_cookie=True))
    assert entry is not None and "set-cookie" not in entry.headers and "x-a" in entry.headers


def test_stale_windows(store: CacheStore, clock: Clock) -> None:
    entry = store.put(key(), 200, Headers(), b"", keep(ttl=10, stale_while_revalidate=5))
    assert entry is not None
    assert entry.within_stale_while_revalidate(clock.now + 14)
    assert not entry.within_stale_while_revalidate(clock.now + 15)
    # without stale-if-error the error caching TTL is the window (spec 4.4)
    assert entry.within_stale_if_error(clock.now + 19, error_caching_ttl=10)
    assert not entry.within_stale_if_error(clock.now + 20, error_caching_ttl=10)


def test_stale_if_error_zero_forbids_serving_stale(store: CacheStore, clock: Clock) -> None:
    entry = store.put(key(), 200, Headers(), b"", keep(ttl=10, stale_if_error=0))
    assert entry is not None and not entry.within_stale_if_error(clock.now + 10, error_caching_ttl=10)


def test_collapsing_rules(catalog: PolicyCatalog) -> None:
    assert collapses(catalog.cache_policy("CachingOptimized"), None)
    assert not collapses(catalog.cache_policy("CachingDisabled"), None)
    assert not collapses(catalog.cache_policy("CachingOptimized"), catalog.origin_request_policy("AllViewer"))
    assert not collapses(catalog.cache_policy("UseOriginCacheControlHeaders"), None)


async def test_concurrent_misses_share_one_fetch() -> None:
    collapser: RequestCollapser[str] = RequestCollapser()
    calls = 0
    release = asyncio.Event()

    async def fetch() -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "body"

    tasks = [asyncio.create_task(collapser.run("k", fetch)) for _ in range(5)]
    await asyncio.sleep(0)
    assert collapser.in_flight("k")
    release.set()
    results = await asyncio.gather(*tasks)
    assert calls == 1
    assert sorted(collapsed for _, collapsed in results) == [False, True, True, True, True]
    assert {r for r, _ in results} == {"body"}
    await asyncio.sleep(0)
    assert not collapser.in_flight("k")


async def test_collapsed_waiters_all_see_the_error() -> None:
    collapser: RequestCollapser[str] = RequestCollapser()

    async def fetch() -> str:
        await asyncio.sleep(0)
        raise ConnectionError("origin down")

    results = await asyncio.gather(*(collapser.run("k", fetch) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)


async def test_first_viewer_hanging_up_does_not_cancel_the_fetch_for_others() -> None:
    collapser: RequestCollapser[str] = RequestCollapser()
    release = asyncio.Event()

    async def fetch() -> str:
        await release.wait()
        return "ok"

    first = asyncio.create_task(collapser.run("k", fetch))
    await asyncio.sleep(0)
    second = asyncio.create_task(collapser.run("k", fetch))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == ("ok", True)


async def test_a_new_miss_after_completion_fetches_again() -> None:
    collapser: RequestCollapser[int] = RequestCollapser()
    calls = 0

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        return calls

    assert await collapser.run("k", fetch) == (1, False)
    await asyncio.sleep(0)
    assert await collapser.run("k", fetch) == (2, False)
