from __future__ import annotations

import email.utils

import pytest

from edgesim.cache.policies import CachePolicy, PolicyCatalog
from edgesim.cache.ttl import cache_decision, expires_in, is_cached_method, parse_cache_control
from edgesim.edge.model import Headers

NOW = 1_700_000_000.0


def p(lo: int = 0, default: int = 86400, hi: int = 31536000) -> CachePolicy:
    return CachePolicy(id="t", name="t", min_ttl=lo, default_ttl=default, max_ttl=hi)


def h(*pairs: tuple[str, str]) -> Headers:
    return Headers(list(pairs))


def http_date(offset: float) -> str:
    return email.utils.formatdate(NOW + offset, usegmt=True)


def decide(status: int, headers: Headers, policy: CachePolicy, **kw: object):
    return cache_decision(status, headers, policy, now=NOW, **kw)  # type: ignore[arg-type]


def test_s_maxage_beats_max_age_and_expires() -> None:
    d = decide(200, h(("Cache-Control", "max-age=100, s-maxage=50"), ("Expires", http_date(900))), p())
    assert (d.store, d.ttl) == (True, 50)


def test_max_age_beats_expires() -> None:
    assert decide(200, h(("Cache-Control", "max-age=100"), ("Expires", http_date(900))), p()).ttl == 100


def test_expires_used_without_max_age() -> None:
    assert decide(200, h(("Expires", http_date(300))), p()).ttl == 300


def test_invalid_expires_means_already_expired() -> None:
    assert decide(200, h(("Expires", "0")), p(lo=0)).ttl == 0


def test_default_ttl_without_cache_headers() -> None:
    assert decide(200, h(), p(default=600)).ttl == 600


def test_default_ttl_is_not_clamped_by_max_ttl() -> None:
    # Default above Max is impossible in a valid policy, but the formula is max(Min, Default).
    assert decide(200, h(), p(lo=0, default=900, hi=600)).ttl == 900


def test_header_ttl_clamped_up_to_min_ttl() -> None:
    assert decide(200, h(("Cache-Control", "max-age=5")), p(lo=60)).ttl == 60


def test_header_ttl_clamped_down_to_max_ttl() -> None:
    assert decide(200, h(("Cache-Control", "max-age=99999")), p(hi=600)).ttl == 600


def test_max_age_capped_at_one_hundred_years() -> None:
    assert decide(200, h(("Cache-Control", "max-age=99999999999")), p(hi=10**12)).ttl == 100 * 365 * 24 * 3600


@pytest.mark.parametrize("directive", ["no-store", "no-cache", "private"])
def test_min_ttl_overrides_no_store_no_cache_private(directive: str) -> None:
    d = decide(200, h(("Cache-Control", f"{directive}, max-age=600")), p(lo=2))
    assert (d.store, d.ttl) == (True, 2)


@pytest.mark.parametrize("directive", ["no-store", "no-cache", "private"])
def test_min_ttl_zero_honours_no_store_no_cache_private(directive: str) -> None:
    d = decide(200, h(("Cache-Control", directive)), p(lo=0))
    assert d.ttl == 0  # kept only as a stale copy for origin failures (spec 4.2)


def test_caching_optimized_caches_private_for_one_second(catalog: PolicyCatalog) -> None:
    assert decide(200, h(("Cache-Control", "private")), catalog.cache_policy("CachingOptimized")).ttl == 1


def test_caching_disabled_stores_nothing(catalog: PolicyCatalog) -> None:
    assert not decide(200, h(("Cache-Control", "max-age=600")), catalog.cache_policy("CachingDisabled")).store


def test_caching_disabled_does_not_cache_errors(catalog: PolicyCatalog) -> None:
    assert not decide(404, h(), catalog.cache_policy("CachingDisabled")).store


def test_no_cache_set_cookie_caches_body_but_strips_set_cookie() -> None:
    d = decide(200, h(("Cache-Control", 'no-cache="Set-Cookie", max-age=60')), p())
    assert (d.store, d.ttl, d.strip_set_cookie) == (True, 60, True)


def test_stale_windows_capped_at_max_ttl() -> None:
    d = decide(200, h(("Cache-Control", "max-age=10, stale-while-revalidate=9000, stale-if-error=30")), p(hi=600))
    assert (d.stale_while_revalidate, d.stale_if_error) == (600, 30)


def test_no_stale_if_error_leaves_the_error_caching_rule() -> None:
    assert decide(200, h(("Cache-Control", "max-age=10")), p()).stale_if_error is None


def test_stale_if_error_zero_is_kept_as_zero() -> None:
    assert decide(200, h(("Cache-Control", "max-age=10, stale-if-error=0")), p()).stale_if_error == 0


@pytest.mark.parametrize("status", [404, 414, 500, 501, 502, 503, 504])
def test_errors_always_cached_for_ten_seconds_by_default(status: int) -> None:
    d = decide(status, h(), p())
    assert (d.store, d.ttl) == (True, 10)


def test_error_caching_min_ttl_from_custom_error_response() -> None:
    assert decide(503, h(), p(), error_caching_min_ttl=5).ttl == 5


def test_error_ttl_is_max_of_floor_and_header_capped_at_max_ttl() -> None:
    assert decide(404, h(("Cache-Control", "max-age=300")), p(hi=120)).ttl == 120
    assert decide(404, h(("Cache-Control", "max-age=3")), p()).ttl == 10
    assert decide(404, h(("Expires", http_date(60))), p()).ttl == 60


def test_error_ttl_ignores_min_ttl() -> None:
    assert decide(404, h(), p(lo=3600, default=3600)).ttl == 10


@pytest.mark.parametrize("status", [400, 403, 405, 412, 415])
def test_some_errors_cached_only_with_max_age(status: int) -> None:
    assert not decide(status, h(), p()).store
    assert not decide(status, h(("Expires", http_date(60))), p()).store
    d = decide(status, h(("Cache-Control", "s-maxage=30")), p())
    assert (d.store, d.ttl) == (True, 30)


def test_416_never_cached_even_with_error_caching_min_ttl() -> None:
    assert not decide(416, h(("Cache-Control", "max-age=600")), p(), error_caching_min_ttl=60).store


@pytest.mark.parametrize("status", [401, 409, 429, 304, 100])
def test_unlisted_statuses_not_cached(status: int) -> None:
    assert not decide(status, h(("Cache-Control", "max-age=60")), p()).store


@pytest.mark.parametrize("status", [200, 206, 301, 302, 307, 308, 410])
def test_success_and_redirects_cached(status: int) -> None:
    assert decide(status, h(("Cache-Control", "max-age=60")), p()).ttl == 60


def test_vary_star_with_min_ttl_zero_revalidates_without_validators() -> None:
    d = decide(200, h(("Vary", "*"), ("Cache-Control", "max-age=60")), p(lo=0))
    assert (d.store, d.ttl, d.conditional) == (True, 0, False)


def test_vary_star_with_min_ttl_is_ordinary() -> None:
    d = decide(200, h(("Vary", "*"), ("Cache-Control", "max-age=60")), p(lo=1))
    assert (d.ttl, d.conditional) == (60, True)


def test_cache_control_parsing_is_forgiving() -> None:
    cc = parse_cache_control(["Max-Age=60 ,  junk, s-maxage=\"30\"", "no-cache=\"Set-Cookie, X-A\"", "max-age=1"])
    assert cc.seconds("max-age") == 60  # first occurrence wins
    assert cc.seconds("s-maxage") == 30
    assert cc.no_cache_fields == {"set-cookie", "x-a"}
    assert not cc.forbids_caching
    assert parse_cache_control(["max-age=abc"]).seconds("max-age") is None


def test_garbled_max_age_falls_back_to_default() -> None:
    assert decide(200, h(("Cache-Control", "max-age=soon")), p(default=77)).ttl == 77


def test_expires_in_the_past_is_zero() -> None:
    assert expires_in(h(("Expires", http_date(-50))), NOW) == 0


@pytest.mark.parametrize(
    "method, cached, expected",
    [
        ("GET", {"GET", "HEAD"}, True),
        ("head", {"GET", "HEAD"}, True),
        ("OPTIONS", {"GET", "HEAD"}, False),
        ("OPTIONS", {"GET", "HEAD", "OPTIONS"}, True),
        ("POST", {"GET", "HEAD", "OPTIONS"}, False),
        ("DELETE", {"GET", "HEAD", "OPTIONS"}, False),
    ],
)
def test_cacheable_methods(method: str, cached: set[str], expected: bool) -> None:
    assert is_cached_method(method, cached) is expected
