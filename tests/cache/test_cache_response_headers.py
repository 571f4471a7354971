from __future__ import annotations

from collections.abc import Callable

import pytest

from edgesim.cache.policies import CorsConfig, PolicyCatalog, PolicyHeader, ResponseHeadersPolicy
from edgesim.cache.response_headers import PolicyResult, apply_response_headers_policy, origin_allowed
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers

Req = Callable[..., EdgeRequest]
NOW = 1_700_000_000.0


def apply(policy: ResponseHeadersPolicy, request: EdgeRequest, *origin_headers: tuple[str, str], rng: float = 0.5) -> PolicyResult:
    response = EdgeResponse(200, Headers(list(origin_headers)), b"body")
    return apply_response_headers_policy(policy, request, response, now=NOW, rng=lambda: rng)


def rhp(**kw: object) -> ResponseHeadersPolicy:
    return ResponseHeadersPolicy(id="r", name="r", **kw)  # type: ignore[arg-type]


PREFLIGHT = [("Origin", "https://app.test"), ("Access-Control-Request-Method", "PUT")]


def test_simple_cors_allows_any_origin(catalog: PolicyCatalog, make_request: Req) -> None:
    out = apply(catalog.response_headers_policy("SimpleCORS"), make_request(headers=[("Origin", "https://app.test")]))
    assert out.response.headers.get("Access-Control-Allow-Origin") == "*"
    assert "access-control-expose-headers" not in out.response.headers


def test_no_cors_headers_without_an_origin_header(catalog: PolicyCatalog, make_request: Req) -> None:
    out = apply(catalog.response_headers_policy("SimpleCORS"), make_request())
    assert "access-control-allow-origin" not in out.response.headers


def test_cors_with_preflight_answers_preflight_with_methods(catalog: PolicyCatalog, make_request: Req) -> None:
    out = apply(catalog.response_headers_policy("CORS-With-Preflight"), make_request(method="OPTIONS", headers=PREFLIGHT))
    h = out.response.headers
    assert h.get("Access-Control-Allow-Methods") == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert h.get("Access-Control-Allow-Origin") == "*"
    assert h.get("Access-Control-Expose-Headers") == "*"


def test_preflight_only_headers_absent_on_simple_requests(catalog: PolicyCatalog, make_request: Req) -> None:
    out = apply(catalog.response_headers_policy("CORS-With-Preflight"), make_request(headers=[("Origin", "https://app.test")]))
    assert "access-control-allow-methods" not in out.response.headers


def test_cors_does_not_override_origin_values_by_default(catalog: PolicyCatalog, make_request: Req) -> None:
    out = apply(catalog.response_headers_policy("SimpleCORS"), make_request(headers=[("Origin", "https://app.test")]),
                ("Access-Control-Allow-Origin", "https://app.test"))
    assert out.response.headers.get_all("Access-Control-Allow-Origin") == ["https://app.test"]


def custom_cors(**kw: object) -> ResponseHeadersPolicy:
    base = dict(allow_origins=("https://*.example.org", "http://localhost:3000"), allow_methods=("GET", "POST"),
                allow_headers=("X-Requested-With",), max_age=600)
    base.update(kw)
    return rhp(cors=CorsConfig(**base))  # type: ignore[arg-type]


def test_listed_origin_is_echoed_with_credentials(make_request: Req) -> None:
    out = apply(custom_cors(allow_credentials=True), make_request(headers=[("Origin", "http://localhost:3000")]))
    assert out.response.headers.get("Access-Control-Allow-Origin") == "http://localhost:3000"
    assert out.response.headers.get("Access-Control-Allow-Credentials") == "true"


def test_unlisted_origin_gets_no_cors_headers(make_request: Req) -> None:
    out = apply(custom_cors(), make_request(headers=[("Origin", "https://evil.test")]))
    assert not [n for n in out.response.headers.names() if n.lower().startswith("access-control")]


def test_custom_preflight_gets_methods_headers_and_max_age(make_request: Req) -> None:
    out = apply(custom_cors(origin_override=True), make_request(method="OPTIONS", headers=[("Origin", "https://api.example.org"), ("Access-Control-Request-Method", "POST")]),
                ("Access-Control-Allow-Methods", "GET"))
    h = out.response.headers
    assert h.get_all("Access-Control-Allow-Methods") == ["GET, POST"]
    assert h.get("Access-Control-Allow-Headers") == "X-Requested-With"
    assert h.get("Access-Control-Max-Age") == "600"


@pytest.mark.parametrize(
    "origin, allowed",
    [
        ("https://a.example.org", True),
        ("https://example.org", False),
        ("https://a.b.example.org", False),
        ("https://a.example.org.evil.test", False),
        ("http://localhost:3000", True),
        ("https://localhost:3000", False),
        ("HTTPS://A.EXAMPLE.ORG", True),
    ],
)
def test_origin_matching(origin: str, allowed: bool) -> None:
    assert origin_allowed(origin, ("*.example.org", "http://localhost:3000")) is allowed


def test_security_headers_added_and_only_nosniff_overrides(catalog: PolicyCatalog, make_request: Req) -> None:
    out = apply(catalog.response_headers_policy("SecurityHeadersPolicy"), make_request(),
                ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "bogus"))
    h = out.response.headers
    assert h.get("X-Frame-Options") == "DENY"
    assert h.get_all("X-Content-Type-Options") == ["nosniff"]
    assert h.get("Strict-Transport-Security") == "max-age=31536000"
    assert h.get("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert h.get("X-XSS-Protection") == "1; mode=block"


def test_custom_header_override_semantics(make_request: Req) -> None:
    policy = rhp(custom_headers=(PolicyHeader("X-A", "policy", False), PolicyHeader("X-B", "policy", True), PolicyHeader("X-C", "policy", False)))
    h = apply(policy, make_request(), ("X-A", "origin"), ("X-B", "origin")).response.headers
    assert (h.get("X-A"), h.get("X-B"), h.get("X-C")) == ("origin", "policy", "policy")


def test_remove_then_add_leaves_header_present(make_request: Req) -> None:
    policy = rhp(remove_headers=("X-A",), custom_headers=(PolicyHeader("X-A", "policy", False),))
    assert apply(policy, make_request(), ("X-A", "origin")).response.headers.get_all("X-A") == ["policy"]


def test_removed_headers_go(make_request: Req) -> None:
    policy = rhp(remove_headers=("X-Powered-By",))
    assert "x-powered-by" not in apply(policy, make_request(), ("X-Powered-By", "PHP")).response.headers


def test_unremovable_headers_stay(make_request: Req) -> None:
    policy = rhp(remove_headers=("Content-Length", "X-Amz-Cf-Pop"))
    h = apply(policy, make_request(), ("Content-Length", "4"), ("X-Amz-Cf-Pop", "IAD89-C1")).response.headers
    assert h.get("Content-Length") == "4" and h.get("X-Amz-Cf-Pop") == "IAD89-C1"


def test_removing_server_and_date_makes_cloudfront_add_its_own(make_request: Req) -> None:
    policy = rhp(remove_headers=("Server", "Date"))
    h = apply(policy, make_request(), ("Server", "nginx/1.2"), ("Date", "Mon, 01 Jan 2024 00:00:00 GMT")).response.headers
    assert h.get("Server") == "CloudFront"
    assert h.get("Date") == "Tue, 14 Nov 2023 22:13:20 GMT"


def test_original_response_is_untouched(make_request: Req) -> None:
    response = EdgeResponse(200, Headers([("X-A", "1")]), b"")
    apply_response_headers_policy(rhp(remove_headers=("X-A",)), make_request(), response, now=NOW)
    assert response.headers.get("X-A") == "1"


def test_server_timing_flag_follows_sampling_rate(make_request: Req) -> None:
    policy = rhp(server_timing_enabled=True, server_timing_sampling_rate=25.0)
    assert apply(policy, make_request(), rng=0.2).server_timing
    assert not apply(policy, make_request(), rng=0.3).server_timing


def test_pragma_server_timing_forces_the_header(make_request: Req) -> None:
    policy = rhp(server_timing_enabled=True, server_timing_sampling_rate=0.0)
    assert apply(policy, make_request(headers=[("Pragma", "server-timing")]), rng=0.99).server_timing
    assert not apply(rhp(), make_request(headers=[("Pragma", "server-timing")])).server_timing
