"""Caching like CloudFront, end to end: two tiers, TTLs, revalidation, errors, hooks on hits."""

from __future__ import annotations

import asyncio
import gzip

import brotli
import pytest

from edgesim.edge.assembly import EdgeOptions
from edgesim.edge.hooks import HookSet
from edgesim.edge.server import BackgroundServer
from tests.conftest import CACHING_OPTIMIZED, config_from, custom_origin
from tests.integration.counting_origin import CountingOrigin
from tests.integration.test_hook_points import ScriptedHook, passthrough

SECURITY_HEADERS_POLICY = "67f7725c-6f97-4210-82d7-5512b31e9d03"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def origin():
    app = CountingOrigin()
    server = BackgroundServer(app)
    await server.start()
    app.port = server.port
    yield app
    await server.stop()


@pytest.fixture
def clock():
    return Clock()


def cached_config(origin, default=None, **fields):
    behavior = {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED,
                "AllowedMethods": {"Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]}}
    behavior.update(default or {})
    return config_from({"DistributionConfig": {
        "Origins": {"Items": [custom_origin("o", origin.port)]}, "DefaultCacheBehavior": behavior, **fields}})


async def cached_edge(edge_factory, origin, clock, *, hooks=None, caching=True, **config):
    options = EdgeOptions(clock=clock, caching=caching)
    return await edge_factory(cached_config(origin, **config), hooks=hooks, options=options)


async def test_second_request_is_a_hit_and_skips_the_origin(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    first = await edge.client.get("/a.txt")
    second = await edge.client.get("/a.txt")
    assert first.headers["x-cache"] == "Miss from cloudfront"
    assert second.headers["x-cache"] == "Hit from cloudfront"
    assert second.text == first.text == "/a.txt #1"
    assert origin.hits["/a.txt"] == 1


async def test_age_is_sent_on_hits_only_and_not_when_zero(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    miss = await edge.client.get("/age")
    same_second = await edge.client.get("/age")
    clock.now += 5
    later = await edge.client.get("/age")
    assert "age" not in miss.headers and "age" not in same_second.headers
    assert later.headers["age"] == "5"


async def test_another_pop_under_the_same_rec_hits_the_regional_cache(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/shared", headers={"X-Edgesim-Pop": "IAD89-C1"})
    jfk = await edge.client.get("/shared", headers={"X-Edgesim-Pop": "JFK50-C1"})
    fra = await edge.client.get("/shared", headers={"X-Edgesim-Pop": "FRA56-C1"})
    assert jfk.headers["x-amz-cf-pop"] == "JFK50-C1"
    assert jfk.headers["x-cache"] == "Hit from cloudfront", "REC us-east-1 had it"
    assert fra.headers["x-cache"] == "Miss from cloudfront", "REC eu-central-1 did not"
    assert origin.hits["/shared"] == 2
    tiers = edge.server.server.config.app.state.edge.cache_entries()
    assert {"POP IAD89-C1", "POP JFK50-C1", "POP FRA56-C1", "REC us-east-1", "REC eu-central-1"} <= set(tiers)


async def test_edgesim_headers_never_reach_the_origin(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/strip", headers={"X-Edgesim-Pop": "FRA56-C1"})
    assert "x-edgesim-pop" not in origin.requests[-1]["headers"]


async def test_origin_hooks_run_only_on_a_miss_viewer_hooks_always(edge_factory, origin, clock):
    table = {e: ScriptedHook(e, passthrough) for e in ("viewer-request", "origin-request", "origin-response", "viewer-response")}
    hooks = HookSet({"DistributionConfig.DefaultCacheBehavior": table})
    edge = await cached_edge(edge_factory, origin, clock, hooks=hooks)
    await edge.client.get("/hooked")
    await edge.client.get("/hooked")
    assert [len(table[e].calls) for e in ("viewer-request", "origin-request", "origin-response", "viewer-response")] == [2, 1, 1, 2]


async def test_origin_request_generated_response_is_cached(edge_factory, origin, clock):
    from edgesim.edge.hooks import HookResult
    from edgesim.edge.model import EdgeResponse, Headers

    generated = ScriptedHook("gen", lambda call: HookResult(response=EdgeResponse(200, Headers([("Content-Type", "text/plain")]), b"made at the edge")))
    hooks = HookSet({"DistributionConfig.DefaultCacheBehavior": {"origin-request": generated}})
    edge = await cached_edge(edge_factory, origin, clock, hooks=hooks)
    assert (await edge.client.get("/gen")).text == "made at the edge"
    second = await edge.client.get("/gen")
    assert second.headers["x-cache"] == "Hit from cloudfront"
    assert len(generated.calls) == 1 and origin.hits["/gen"] == 0


async def test_expired_object_is_revalidated_and_a_304_is_a_refresh_hit(edge_factory, origin, clock):
    origin.script("/etag", headers=[("Cache-Control", "max-age=10")], etag='"v1"')
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/etag")
    clock.now += 11
    refreshed = await edge.client.get("/etag")
    assert refreshed.headers["x-cache"] == "RefreshHit from cloudfront"
    assert origin.requests[-1]["headers"]["if-none-match"] == '"v1"'
    assert refreshed.text == "/etag #1"
    again = await edge.client.get("/etag")
    assert again.headers["x-cache"] == "Hit from cloudfront"


async def test_min_ttl_overrides_no_store(edge_factory, origin, clock):
    origin.script("/private", headers=[("Cache-Control", "no-store")])
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/private")
    hit = await edge.client.get("/private")
    assert hit.headers["x-cache"] == "Hit from cloudfront", "CachingOptimized has MinTTL 1"
    clock.now += 2
    assert (await edge.client.get("/private")).headers["x-cache"] != "Hit from cloudfront"


async def test_no_store_is_honoured_when_min_ttl_is_zero(edge_factory, origin, clock):
    origin.script("/private", headers=[("Cache-Control", "no-store")])
    policies = {"custom-zero": {"Name": "zero-min", "MinTTL": 0, "DefaultTTL": 60, "MaxTTL": 600,
                                "ParametersInCacheKeyAndForwardedToOrigin": {
                                    "EnableAcceptEncodingGzip": False, "EnableAcceptEncodingBrotli": False,
                                    "HeadersConfig": {"HeaderBehavior": "none"}, "CookiesConfig": {"CookieBehavior": "none"},
                                    "QueryStringsConfig": {"QueryStringBehavior": "none"}}}}
    document_policies = config_from({"CachePolicies": policies, "DistributionConfig": {
        "Origins": {"Items": [custom_origin("o", origin.port)]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "custom-zero"}}})
    edge = await edge_factory(document_policies, options=EdgeOptions(clock=clock))
    await edge.client.get("/private")
    second = await edge.client.get("/private")
    assert second.headers["x-cache"] != "Hit from cloudfront"
    assert origin.hits["/private"] == 2


async def test_404_is_cached_for_ten_seconds_by_default(edge_factory, origin, clock):
    origin.script("/gone", status=404)
    edge = await cached_edge(edge_factory, origin, clock)
    first = await edge.client.get("/gone")
    second = await edge.client.get("/gone")
    assert first.status_code == second.status_code == 404
    assert second.headers["x-cache"] == "Error from cloudfront"
    assert origin.hits["/gone"] == 1
    clock.now += 11
    await edge.client.get("/gone")
    assert origin.hits["/gone"] == 2


async def test_403_without_max_age_is_not_cached(edge_factory, origin, clock):
    origin.script("/forbidden", status=403)
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/forbidden")
    await edge.client.get("/forbidden")
    assert origin.hits["/forbidden"] == 2


async def test_custom_error_page_is_fetched_through_the_cache_with_its_response_code(edge_factory, origin, clock):
    origin.script("/missing", status=404)
    origin.script("/errors/404.html", body=b"<h1>not here</h1>", headers=[("Content-Type", "text/html")])
    errors = {"Items": [{"ErrorCode": 404, "ResponsePagePath": "/errors/404.html", "ResponseCode": "200", "ErrorCachingMinTTL": 30}]}
    hooks = HookSet({"DistributionConfig.DefaultCacheBehavior": {"viewer-response": ScriptedHook("vr", passthrough)}})
    edge = await cached_edge(edge_factory, origin, clock, hooks=hooks, CustomErrorResponses=errors)
    response = await edge.client.get("/missing")
    assert response.status_code == 200
    assert response.text == "<h1>not here</h1>"
    assert response.headers["x-cache"] == "Error from cloudfront"
    await edge.client.get("/other-missing")
    assert origin.hits["/errors/404.html"] == 1, "the page itself is cached"
    clock.now += 20
    await edge.client.get("/missing")
    assert origin.hits["/missing"] == 1, "ErrorCachingMinTTL 30 keeps the 404"


async def test_invalidation_clears_every_tier(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/img/a.png", headers={"X-Edgesim-Pop": "IAD89-C1"})
    await edge.client.get("/img/a.png", headers={"X-Edgesim-Pop": "JFK50-C1"})
    served = edge.server.server.config.app.state.edge
    assert served.invalidate(["/img/*"]) == 3
    again = await edge.client.get("/img/a.png", headers={"X-Edgesim-Pop": "JFK50-C1"})
    assert again.headers["x-cache"] == "Miss from cloudfront"


async def test_query_string_is_not_in_the_key_of_caching_optimized(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/q?x=1")
    hit = await edge.client.get("/q?x=2")
    assert hit.headers["x-cache"] == "Hit from cloudfront"
    assert origin.requests[-1]["query"] == "", "not forwarded either"


async def test_brotli_preferred_when_viewer_accepts_it(edge_factory, origin, clock):
    text = ("edge " * 400).encode()
    origin.script("/big.txt", body=text, headers=[("Content-Type", "text/plain; charset=utf-8")])
    edge = await cached_edge(edge_factory, origin, clock, default={"Compress": True})
    br = await edge.client.get("/big.txt", headers={"Accept-Encoding": "gzip, br"})
    assert br.headers["content-encoding"] == "br"
    assert br.content == text
    assert origin.requests[-1]["headers"]["accept-encoding"] == "br,gzip"
    gz = await edge.client.get("/big.txt", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    plain = await edge.client.get("/big.txt", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert origin.requests[-1]["headers"]["accept-encoding"] == "identity"
    assert brotli.decompress(brotli.compress(text)) == text and gzip.decompress(gzip.compress(text)) == text


async def test_range_is_cut_from_the_cached_object(edge_factory, origin, clock):
    origin.script("/bytes", body=bytes(range(256)) * 8, headers=[("Content-Type", "application/octet-stream")])
    edge = await cached_edge(edge_factory, origin, clock)
    first = await edge.client.get("/bytes", headers={"Range": "bytes=0-9"})
    assert first.status_code == 206 and first.content == bytes(range(10))
    assert "range" not in origin.requests[-1]["headers"], "the whole object was fetched"
    second = await edge.client.get("/bytes", headers={"Range": "bytes=10-19"})
    assert second.status_code == 206 and second.content == bytes(range(10, 20))
    assert origin.hits["/bytes"] == 1


async def test_post_goes_to_the_origin_every_time(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.post("/form", content=b"a")
    await edge.client.post("/form", content=b"a")
    assert origin.hits["/form"] == 2


async def test_caching_off_sends_every_request_to_the_origin(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock, caching=False)
    await edge.client.get("/dev")
    second = await edge.client.get("/dev")
    assert second.headers["x-cache"] == "Miss from cloudfront"
    assert origin.hits["/dev"] == 2


async def test_set_cookie_is_removed_when_cookies_are_not_forwarded(edge_factory, origin, clock):
    origin.script("/login", headers=[("Set-Cookie", "session=abc")])
    edge = await cached_edge(edge_factory, origin, clock)
    assert "set-cookie" not in (await edge.client.get("/login")).headers
    assert "set-cookie" not in (await edge.client.get("/login")).headers


async def test_concurrent_misses_for_one_key_are_collapsed(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    responses = await asyncio.gather(*(edge.client.get("/popular") for _ in range(8)))
    assert origin.hits["/popular"] == 1
    assert sorted(r.headers["x-cache"] for r in responses).count("Miss from cloudfront") == 1


async def test_stale_copy_is_served_when_the_origin_fails(edge_factory, origin, clock):
    origin.script("/flaky", headers=[("Cache-Control", "max-age=5")])
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/flaky")
    clock.now += 6
    origin.script("/flaky", status=503)
    stale = await edge.client.get("/flaky")
    assert stale.status_code == 200 and stale.text == "/flaky #1"


async def test_expired_object_with_origin_4xx_returns_the_error(edge_factory, origin, clock):
    origin.script("/moved", headers=[("Cache-Control", "max-age=5")])
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/moved")
    clock.now += 6
    origin.script("/moved", status=404)
    assert (await edge.client.get("/moved")).status_code == 404


async def test_response_headers_policy_applies_to_hits_too(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock, default={"ResponseHeadersPolicyId": SECURITY_HEADERS_POLICY})
    await edge.client.get("/secure")
    hit = await edge.client.get("/secure")
    assert hit.headers["x-cache"] == "Hit from cloudfront"
    assert hit.headers["x-content-type-options"] == "nosniff"
    assert hit.headers["strict-transport-security"] == "max-age=31536000"


async def test_head_is_answered_from_a_cached_get(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/h")
    head = await edge.client.head("/h")
    assert head.headers["x-cache"] == "Hit from cloudfront" and head.content == b""
    assert origin.hits["/h"] == 1


async def test_get_fails_over_to_the_secondary_when_the_primary_refuses(edge_factory, origin, clock, refused_port):
    groups = {"Items": [{"Id": "g", "FailoverCriteria": {"StatusCodes": {"Items": [500]}},
                         "Members": {"Items": [{"OriginId": "dead"}, {"OriginId": "o"}]}}]}
    config = config_from({"DistributionConfig": {
        "Origins": {"Items": [custom_origin("dead", refused_port, ConnectionAttempts=1, ConnectionTimeout=1),
                              custom_origin("o", origin.port)]},
        "OriginGroups": groups,
        "DefaultCacheBehavior": {"TargetOriginId": "g", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED},
    }})
    edge = await edge_factory(config, options=EdgeOptions(clock=clock))
    response = await edge.client.get("/failover")
    assert response.status_code == 200 and response.text == "/failover #1"


async def test_object_over_the_size_limit_is_streamed_whole_and_not_cached(edge_factory, origin, clock):
    big = bytes(range(256)) * (6 * 1024)  # 1.5 MiB: over the 1 MiB buffer, so it streams
    origin.script("/big.bin", body=big, headers=[("Content-Type", "application/octet-stream")])
    edge = await cached_edge(edge_factory, origin, clock)
    served = edge.server.server.config.app.state.edge
    served.tiers.max_object_bytes = 1024 * 1024
    first = await edge.client.get("/big.bin")
    second = await edge.client.get("/big.bin")
    assert first.content == big and second.content == big
    assert origin.hits["/big.bin"] == 2, "too big to keep"


async def test_streamed_object_within_the_limit_is_cached_once_complete(edge_factory, origin, clock):
    big = bytes(range(256)) * (6 * 1024)
    origin.script("/streamed.bin", body=big, headers=[("Content-Type", "application/octet-stream")])
    edge = await cached_edge(edge_factory, origin, clock)
    assert (await edge.client.get("/streamed.bin")).content == big
    hit = await edge.client.get("/streamed.bin")
    assert hit.headers["x-cache"] == "Hit from cloudfront" and hit.content == big
    assert origin.hits["/streamed.bin"] == 1


async def test_thousands_of_distinct_keys_stay_within_the_pop_budget(edge_factory, origin, clock):
    edge = await cached_edge(edge_factory, origin, clock)
    served = edge.server.server.config.app.state.edge
    pop = served.tiers.pop_cache("IAD89-C1")
    pop.max_bytes = 64 * 1024
    for i in range(600):
        response = await edge.client.get(f"/k/{i}")
        assert response.status_code == 200 and response.text == f"/k/{i} #1"
    assert pop.bytes_used <= 64 * 1024
    assert (await edge.client.get("/k/599")).headers["x-cache"] == "Hit from cloudfront"


async def test_cache_settings_from_config_size_the_tiers_and_turn_caching_off(edge_factory, origin, clock):
    document = {"Edgesim": {"Cache": {"Enabled": False, "PopMaxBytes": 4096}}, "DistributionConfig": {
        "Origins": {"Items": [custom_origin("o", origin.port)]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED}}}
    edge = await edge_factory(config_from(document), options=EdgeOptions(clock=clock))
    await edge.client.get("/off")
    assert (await edge.client.get("/off")).headers["x-cache"] == "Miss from cloudfront"
    assert origin.hits["/off"] == 2
    assert edge.server.server.config.app.state.edge.tiers.pop_bytes == 4096


async def test_vary_on_every_header_keeps_answers_correct_and_bounded(edge_factory, origin, clock):
    origin.script("/vary", headers=[("Vary", "*")])
    edge = await cached_edge(edge_factory, origin, clock)
    for i in range(50):
        response = await edge.client.get("/vary", headers={f"X-Random-{i}": str(i)})
        assert response.status_code == 200 and response.text.startswith("/vary #")
    served = edge.server.server.config.app.state.edge
    assert served.tiers.pop_cache("IAD89-C1").bytes_used <= served.tiers.pop_bytes
    many = "accept, accept-language, user-agent, x-a, x-b, x-c, x-d, x-e"
    origin.script("/vary-many", headers=[("Vary", many)])
    first = await edge.client.get("/vary-many", headers={"X-A": "1"})
    second = await edge.client.get("/vary-many", headers={"X-A": "2"})
    assert first.status_code == second.status_code == 200


async def test_stale_copy_answers_a_5xx_for_that_status_error_caching_ttl(edge_factory, origin, clock):
    origin.script("/sie", headers=[("Cache-Control", "max-age=5")])
    errors = {"Items": [{"ErrorCode": 503, "ErrorCachingMinTTL": 60}]}
    edge = await cached_edge(edge_factory, origin, clock, CustomErrorResponses=errors)
    await edge.client.get("/sie")
    origin.script("/sie", status=503)
    clock.now += 5 + 40
    assert (await edge.client.get("/sie")).text == "/sie #1", "within 503's ErrorCachingMinTTL of 60 s"
    origin.script("/sie", status=500)
    clock.now += 0.5
    assert (await edge.client.get("/sie")).status_code == 500, "500 keeps the default 10 s"


async def test_concurrent_requests_share_one_no_store_answer(edge_factory, origin, clock):
    origin.script("/private-burst", headers=[("Cache-Control", "no-store")])
    policies = {"zero-min": {"Name": "zero-min", "MinTTL": 0, "DefaultTTL": 60, "MaxTTL": 600,
                             "ParametersInCacheKeyAndForwardedToOrigin": {
                                 "EnableAcceptEncodingGzip": False, "EnableAcceptEncodingBrotli": False,
                                 "HeadersConfig": {"HeaderBehavior": "none"}, "CookiesConfig": {"CookieBehavior": "none"},
                                 "QueryStringsConfig": {"QueryStringBehavior": "none"}}}}
    document = {"CachePolicies": policies, "DistributionConfig": {
        "Origins": {"Items": [custom_origin("o", origin.port)]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "zero-min"}}}
    edge = await edge_factory(config_from(document), options=EdgeOptions(clock=clock))
    answers = await asyncio.gather(*(edge.client.get("/private-burst") for _ in range(6)))
    assert {a.text for a in answers} == {"/private-burst #1"}, "collapsed waiters get the first answer (spec 4.6)"
    assert origin.hits["/private-burst"] == 1
    await edge.client.get("/private-burst")
    assert origin.hits["/private-burst"] == 2, "but no-store with MinTTL 0 is not served from cache afterwards"


async def test_stale_while_revalidate_answers_at_once_and_refreshes_behind(edge_factory, origin, clock):
    origin.script("/swr", headers=[("Cache-Control", "max-age=5, stale-while-revalidate=60")])
    edge = await cached_edge(edge_factory, origin, clock)
    await edge.client.get("/swr")
    clock.now += 10
    stale = await edge.client.get("/swr")
    assert stale.text == "/swr #1" and stale.headers["x-cache"] == "Hit from cloudfront"
    for _ in range(200):  # the refresh runs in the background; bounded wait for it to land
        if origin.hits["/swr"] == 2:
            break
        await asyncio.sleep(0.01)
    assert origin.hits["/swr"] == 2
    assert (await edge.client.get("/swr")).text == "/swr #2"
