"""Micro benchmarks of per-request edge work outside the runtimes: behavior matching and event building.

Behavior matching runs for every request (twenty behaviors, the request matching the last
pattern, the worst case before the default). Event building is what each hook call pays
before any code runs: the CloudFront Functions event and the Lambda@Edge event from the
same request. Run: `.venv/bin/python -m pytest bench/test_edge_bench.py --benchmark-only`.
"""

from __future__ import annotations

from pytest_benchmark.fixture import BenchmarkFixture

from edgesim.config.model import CacheBehavior, Distribution, Origin
from edgesim.edge.behaviors import BehaviorMatcher
from edgesim.edge.hooks import EdgeContext, HookCall
from edgesim.edge.model import EdgeRequest, Headers
from edgesim.functions.event import build_event as function_event
from edgesim.lambdas.event import build_event as lambda_event

CONTEXT = EdgeContext(request_id="r-1", distribution_id="EDFDVBD6EXAMPLE", distribution_domain_name="d111111abcdef8.cloudfront.net")
REQUEST = EdgeRequest("GET", "/members/profile", "tab=security&lang=en", Headers([
    ("Host", "www.example.com"),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/126.0"),
    ("Accept", "text/html,application/xhtml+xml"),
    ("Accept-Encoding", "gzip, br"),
    ("Accept-Language", "en-US,en;q=0.5"),
    ("Cookie", "session=abc123; theme=dark; ab-group=b"),
    ("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtIn0.c2ln"),
]), client_ip="203.0.113.9")


def test_behavior_match_among_twenty_patterns(benchmark: BenchmarkFixture) -> None:
    patterns = [f"/section-{i}/*.html" for i in range(19)] + ["/members/*"]
    behaviors = tuple(CacheBehavior(p, "app", field_path=f"CacheBehaviors.Items[{i}]") for i, p in enumerate(patterns))
    distribution = Distribution("E1", "d1.cloudfront.net", {"app": Origin("app", "app.internal")}, CacheBehavior("*", "app"),
                                behaviors=behaviors)
    matcher = BehaviorMatcher(distribution)
    behavior = benchmark(matcher.match, "/members/profile")
    assert behavior.path_pattern == "/members/*"


def test_cloudfront_functions_viewer_request_event(benchmark: BenchmarkFixture) -> None:
    event, _ = benchmark(function_event, "viewer-request", CONTEXT, REQUEST)
    assert event["request"]["cookies"]["ab-group"] == {"value": "b"}


def test_lambda_edge_viewer_request_event(benchmark: BenchmarkFixture) -> None:
    call = HookCall("viewer-request", CONTEXT, REQUEST)
    sent = benchmark(lambda_event, call, False)
    assert b'"uri":"/members/profile"' in sent.payload.replace(b" ", b"")
