from __future__ import annotations

from typing import Any

import pytest

from edgesim.cache.policies import (
    PolicyCatalog,
    PolicyConfigError,
    UnknownPolicy,
    legacy_policies,
    validate_cache_policy_config,
    validate_origin_request_policy_config,
    validate_response_headers_policy_config,
)
from edgesim.config.model import CacheBehavior, Distribution, EdgeConfig

MANAGED_CACHE = {
    # id: (API name, min, default, max, key headers, cookies, query strings, gzip, brotli)
    "658327ea-f89d-4fab-a63d-7e88639e58f6": ("Managed-CachingOptimized", 1, 86400, 31536000, (), "none", "none", True, True),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": (
        "Managed-CachingOptimizedForUncompressedObjects", 1, 86400, 31536000, (), "none", "none", False, False,
    ),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": ("Managed-CachingDisabled", 0, 0, 0, (), "none", "none", False, False),
    "08627262-05a9-4f76-9ded-b50ca2e3a84f": (
        "Managed-Elemental-MediaPackage", 0, 86400, 31536000, ("origin",), "none", "whitelist", True, False,
    ),
    "2e54312d-136d-493c-8eb9-b001f22f67d2": (
        "Managed-Amplify", 2, 2, 600, ("authorization", "cloudfront-viewer-country", "host"), "all", "all", True, True,
    ),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": (
        "UseOriginCacheControlHeaders", 0, 0, 31536000,
        ("host", "origin", "x-http-method", "x-http-method-override", "x-method-override"), "all", "none", True, True,
    ),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": (
        "UseOriginCacheControlHeaders-QueryStrings", 0, 0, 31536000,
        ("host", "origin", "x-http-method", "x-http-method-override", "x-method-override"), "all", "all", True, True,
    ),
}


def config_with(**policies: dict[str, Any]) -> EdgeConfig:
    dist = Distribution(
        id="E1", domain_name="d1.cloudfront.net", origins={},
        default_behavior=CacheBehavior(path_pattern="*", target_origin_id="o"),
    )
    return EdgeConfig(distribution=dist, **policies)


@pytest.mark.parametrize("policy_id", sorted(MANAGED_CACHE))
def test_managed_cache_policy_settings(catalog: PolicyCatalog, policy_id: str) -> None:
    name, lo, default, hi, headers, cookies, qs, gz, br = MANAGED_CACHE[policy_id]
    p = catalog.cache_policy(policy_id)
    assert (p.name, p.min_ttl, p.default_ttl, p.max_ttl) == (name, lo, default, hi)
    assert p.headers.names == frozenset(headers)
    assert (p.cookies.behavior, p.query_strings.behavior, p.gzip, p.brotli) == (cookies, qs, gz, br)
    assert p.managed and p.comment


def test_media_package_keys_its_four_query_strings(catalog: PolicyCatalog) -> None:
    assert set(catalog.cache_policy("Elemental-MediaPackage").query_strings.items) == {
        "aws.manifestfilter", "start", "end", "m",
    }


def test_managed_policies_break_no_rule_but_the_custom_item_quota() -> None:
    from edgesim.cache.policies import MANAGED_DIR, _managed_raw

    raw = _managed_raw(MANAGED_DIR)
    for item in raw["CachePolicy"]:
        assert validate_cache_policy_config(item, item["Id"]) == []
    for item in raw["OriginRequestPolicy"]:
        # AllViewerAndCloudFrontHeaders lists 21 headers; the 10-item quota is for custom policies.
        errors = validate_origin_request_policy_config(item, item["Id"])
        assert [e for e in errors if "at most 10 allowed" not in e] == []
    for item in raw["ResponseHeadersPolicy"]:
        assert validate_response_headers_policy_config(item, item["Id"]) == []


@pytest.mark.parametrize(
    "ref", ["CachingOptimized", "Managed-CachingOptimized", "658327ea-f89d-4fab-a63d-7e88639e58f6"]
)
def test_cache_policy_found_by_id_or_name_with_or_without_prefix(catalog: PolicyCatalog, ref: str) -> None:
    assert catalog.cache_policy(ref).id == "658327ea-f89d-4fab-a63d-7e88639e58f6"


def test_use_origin_cache_control_headers_has_no_managed_prefix_but_is_found_with_one(catalog: PolicyCatalog) -> None:
    assert catalog.cache_policy("UseOriginCacheControlHeaders").name == "UseOriginCacheControlHeaders"
    assert catalog.cache_policy("Managed-UseOriginCacheControlHeaders").id == "83da9c7e-98b4-4e11-a168-04f0df8e2c65"


def test_unknown_policy_raises(catalog: PolicyCatalog) -> None:
    with pytest.raises(UnknownPolicy):
        catalog.cache_policy("Managed-NoSuchThing")


@pytest.mark.parametrize(
    "name, pid, headers, cookies, qs",
    [
        ("AllViewer", "216adef6-5c7f-47e4-b989-5492eafa07d3", "allViewer", "all", "all"),
        ("AllViewerExceptHostHeader", "b689b0a8-53d0-40ab-baf2-68738e2966ac", "allExcept", "all", "all"),
        ("AllViewerAndCloudFrontHeaders-2022-06", "33f36d7e-f396-46d9-90e0-52428a34d9dc",
         "allViewerAndWhitelistCloudFront", "all", "all"),
        ("CORS-CustomOrigin", "59781a5b-3903-41f3-afcb-af62929ccde1", "whitelist", "none", "none"),
        ("CORS-S3Origin", "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", "whitelist", "none", "none"),
        ("Elemental-MediaTailor-PersonalizedManifests", "775133bc-15f2-49f9-abea-afb2e0bf67d2",
         "whitelist", "none", "all"),
        ("UserAgentRefererHeaders", "acba4595-bd28-49b8-b9fe-13317c0390fa", "whitelist", "none", "none"),
        ("HostHeaderOnly", "bf0718e1-ba1e-49d1-88b1-f726733018ae", "whitelist", "none", "none"),
    ],
)
def test_managed_origin_request_policies(catalog: PolicyCatalog, name: str, pid: str, headers: str, cookies: str, qs: str) -> None:
    p = catalog.origin_request_policy(name)
    assert p.id == pid and p.name == f"Managed-{name}"
    assert (p.headers.behavior, p.cookies.behavior, p.query_strings.behavior) == (headers, cookies, qs)


def test_all_viewer_and_cloudfront_headers_lists_twenty_one_cloudfront_headers(catalog: PolicyCatalog) -> None:
    p = catalog.origin_request_policy("AllViewerAndCloudFrontHeaders-2022-06")
    assert len(p.headers.items) == 21
    assert "cloudfront-viewer-tls" in p.headers.names


def test_security_headers_policy_values_and_overrides(catalog: PolicyCatalog) -> None:
    p = catalog.response_headers_policy("67f7725c-6f97-4210-82d7-5512b31e9d03")
    got = {h.name: (h.value, h.override) for h in p.security_headers}
    assert got == {
        "Referrer-Policy": ("strict-origin-when-cross-origin", False),
        "Strict-Transport-Security": ("max-age=31536000", False),
        "X-Content-Type-Options": ("nosniff", True),
        "X-Frame-Options": ("SAMEORIGIN", False),
        "X-XSS-Protection": ("1; mode=block", False),
    }


def test_combined_managed_response_policies_carry_cors_and_security(catalog: PolicyCatalog) -> None:
    for name in ("CORS-and-SecurityHeadersPolicy", "CORS-with-preflight-and-SecurityHeadersPolicy"):
        p = catalog.response_headers_policy(name)
        assert p.cors is not None and p.cors.allow_origins == ("*",)
        assert len(p.security_headers) == 5


GOOD_CUSTOM = {
    "Name": "api",
    "MinTTL": 0,
    "DefaultTTL": 60,
    "MaxTTL": 300,
    "ParametersInCacheKeyAndForwardedToOrigin": {
        "EnableAcceptEncodingGzip": True,
        "EnableAcceptEncodingBrotli": False,
        "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["X-Tenant"]},
        "CookiesConfig": {"CookieBehavior": "whitelist", "Cookies": {"Quantity": 1, "Items": ["session"]}},
        "QueryStringsConfig": {"QueryStringBehavior": "allExcept", "QueryStrings": ["utm_source"]},
    },
}


def test_custom_policy_without_wrappers_is_normalised() -> None:
    catalog = PolicyCatalog.from_config(config_with(cache_policies={"custom-1": GOOD_CUSTOM}))
    p = catalog.cache_policy("api")
    assert p.id == "custom-1" and not p.managed
    assert p.headers.names == {"x-tenant"}
    assert p.cookies.items == ("session",)
    assert p.query_strings.behavior == "allExcept" and p.query_strings.items == ("utm_source",)
    assert (p.gzip, p.brotli, p.default_ttl) == (True, False, 60)


def test_custom_policy_wrapped_in_cache_policy_config_is_accepted() -> None:
    catalog = PolicyCatalog.from_config(config_with(cache_policies={"c": {"CachePolicyConfig": GOOD_CUSTOM}}))
    assert catalog.cache_policy("c").max_ttl == 300


def bad(**changes: Any) -> dict[str, Any]:
    cfg = {**GOOD_CUSTOM, "ParametersInCacheKeyAndForwardedToOrigin": dict(GOOD_CUSTOM["ParametersInCacheKeyAndForwardedToOrigin"])}
    for k, v in changes.items():
        if k in cfg["ParametersInCacheKeyAndForwardedToOrigin"]:
            cfg["ParametersInCacheKeyAndForwardedToOrigin"][k] = v
        else:
            cfg[k] = v
    return cfg


def test_default_ttl_below_min_ttl_is_rejected_naming_the_field() -> None:
    errors = validate_cache_policy_config(bad(MinTTL=100, DefaultTTL=50), "CachePolicies.p")
    assert any(e.startswith("CachePolicies.p.DefaultTTL:") for e in errors)


def test_max_ttl_below_default_ttl_is_rejected() -> None:
    errors = validate_cache_policy_config(bad(MaxTTL=30), "P")
    assert any(e.startswith("P.MaxTTL:") for e in errors)


def test_caching_disabled_policy_cannot_key_on_anything() -> None:
    errors = validate_cache_policy_config(bad(MinTTL=0, DefaultTTL=0, MaxTTL=0), "P")
    joined = "\n".join(errors)
    assert "HeadersConfig.HeaderBehavior: must be 'none'" in joined
    assert "CookiesConfig.CookieBehavior: must be 'none'" in joined
    assert "QueryStringsConfig.QueryStringBehavior: must be 'none'" in joined
    assert "EnableAcceptEncodingGzip: invalid for policy with caching disabled" in joined


def test_accept_encoding_cannot_be_listed_with_compression_flags() -> None:
    errors = validate_cache_policy_config(bad(HeadersConfig={"HeaderBehavior": "whitelist", "Headers": ["accept-encoding"]}), "P")
    assert any("HeadersConfig.Headers: Accept-Encoding" in e for e in errors)


def test_accept_encoding_may_be_listed_without_compression_flags() -> None:
    cfg = bad(
        HeadersConfig={"HeaderBehavior": "whitelist", "Headers": ["Accept-Encoding"]},
        EnableAcceptEncodingGzip=False,
    )
    assert validate_cache_policy_config(cfg, "P") == []


def test_more_than_ten_cookies_is_rejected() -> None:
    cookies = {"CookieBehavior": "whitelist", "Cookies": [f"c{i}" for i in range(11)]}
    errors = validate_cache_policy_config(bad(CookiesConfig=cookies), "P")
    assert any(e.startswith("P.ParametersInCacheKeyAndForwardedToOrigin.CookiesConfig.Cookies: 11 items") for e in errors)


def test_cache_policy_cannot_key_on_orp_only_cloudfront_headers() -> None:
    headers = {"HeaderBehavior": "whitelist", "Headers": ["CloudFront-Viewer-Address"]}
    errors = validate_cache_policy_config(bad(HeadersConfig=headers), "P")
    assert any("cloudfront-viewer-address is allowed only in origin request policies" in e for e in errors)


def test_cache_policy_header_behavior_all_is_impossible() -> None:
    errors = validate_cache_policy_config(bad(HeadersConfig={"HeaderBehavior": "allViewer"}), "P")
    assert any("HeaderBehavior: 'allViewer' is not one of" in e for e in errors)


def test_orp_allow_list_naming_authorization_is_rejected() -> None:
    cfg = {"Name": "o", "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]}}
    errors = validate_origin_request_policy_config(cfg, "OriginRequestPolicies.o")
    assert errors and errors[0].startswith("OriginRequestPolicies.o.HeadersConfig.Headers: Authorization")


def test_orp_may_name_orp_only_cloudfront_headers() -> None:
    cfg = {"Name": "o", "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["CloudFront-Viewer-Address"]}}
    assert validate_origin_request_policy_config(cfg, "O") == []


def test_response_policy_cannot_remove_unremovable_headers() -> None:
    cfg = {"Name": "r", "RemoveHeadersConfig": {"Quantity": 2, "Items": [{"Header": "Server"}, {"Header": "X-Amz-Cf-Pop"}]}}
    errors = validate_response_headers_policy_config(cfg, "R")
    assert errors == ["R.RemoveHeadersConfig.Items[1].Header: X-Amz-Cf-Pop cannot be removed"]


def test_response_policy_origin_wildcard_only_in_leftmost_label() -> None:
    cfg = {"Name": "r", "CorsConfig": {"AccessControlAllowOrigins": ["https://*.example.org", "https://a.*.org"]}}
    errors = validate_response_headers_policy_config(cfg, "R")
    assert len(errors) == 1 and "Items[1]" in errors[0]


def test_catalog_refuses_invalid_custom_policies_listing_all_errors() -> None:
    config = config_with(
        cache_policies={"c": bad(MaxTTL=1)},
        origin_request_policies={"o": {"Name": "o", "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["authorization"]}}},
    )
    with pytest.raises(PolicyConfigError) as err:
        PolicyCatalog.from_config(config)
    assert len(err.value.messages) == 2


def test_behavior_with_policy_ids_gets_all_three(catalog: PolicyCatalog) -> None:
    b = CacheBehavior(
        path_pattern="/api/*", target_origin_id="o",
        cache_policy_id="4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        origin_request_policy_id="b689b0a8-53d0-40ab-baf2-68738e2966ac",
        response_headers_policy_id="Managed-SimpleCORS",
    )
    got = catalog.for_behavior(b)
    assert got.cache.name == "Managed-CachingDisabled"
    assert got.origin_request is not None and got.origin_request.name == "Managed-AllViewerExceptHostHeader"
    assert got.response_headers is not None and got.response_headers.name == "Managed-SimpleCORS"


def legacy(fv: dict[str, Any], **kw: Any) -> CacheBehavior:
    return CacheBehavior(path_pattern="*", target_origin_id="o", forwarded_values=fv, **kw)


def test_legacy_behavior_keys_on_what_it_forwards() -> None:
    cache, orp = legacy_policies(legacy(
        {"QueryString": True, "Cookies": {"Forward": "whitelist", "WhitelistedNames": {"Quantity": 1, "Items": ["s"]}},
         "Headers": {"Quantity": 1, "Items": ["Accept-Language"]}},
        min_ttl=5, default_ttl=10, max_ttl=20,
    ))
    assert orp is None
    assert (cache.min_ttl, cache.default_ttl, cache.max_ttl) == (5, 10, 20)
    assert cache.headers.names == {"accept-language"}
    assert (cache.cookies.behavior, cache.cookies.items) == ("whitelist", ("s",))
    assert cache.query_strings.behavior == "all"


def test_legacy_query_string_cache_keys_narrow_the_key_but_forward_all() -> None:
    cache, orp = legacy_policies(legacy({"QueryString": True, "QueryStringCacheKeys": ["v"], "Cookies": {"Forward": "none"}}))
    assert (cache.query_strings.behavior, cache.query_strings.items) == ("whitelist", ("v",))
    assert orp is not None and orp.query_strings.behavior == "all"


def test_legacy_forwarding_all_headers_disables_caching() -> None:
    cache, orp = legacy_policies(legacy({"QueryString": False, "Cookies": {"Forward": "all"}, "Headers": ["*"]}))
    assert cache.caching_disabled
    assert orp is not None and orp.headers.behavior == "allViewer" and orp.cookies.behavior == "all"


def test_legacy_compress_normalizes_accept_encoding() -> None:
    cache, _ = legacy_policies(legacy({"QueryString": False}, compress=True))
    assert cache.gzip and cache.brotli and cache.normalizes_accept_encoding


def test_catalog_translates_legacy_behavior(catalog: PolicyCatalog) -> None:
    got = catalog.for_behavior(legacy({"QueryString": False}, min_ttl=0, default_ttl=7, max_ttl=9))
    assert got.cache.default_ttl == 7 and got.cache.id.startswith("legacy:")
