"""Loading configs in CloudFront's own shape: good files load, bad files say where and what."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from edgesim.cli import DEMO_CONFIG
from edgesim.config.load import ConfigError, load_config
from tests.conftest import DATA, ROOT


def write(tmp_path: Path, document: dict, name: str = "edge.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document) if name.endswith(".yaml") else json.dumps(document))
    return path


def minimal(**default_behavior) -> dict:
    behavior = {"TargetOriginId": "app", "ViewerProtocolPolicy": "allow-all",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6", **default_behavior}
    return {"DistributionConfig": {
        "Origins": {"Quantity": 1, "Items": [{"Id": "app", "DomainName": "localhost",
                                              "CustomOriginConfig": {"HTTPPort": 3000, "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": behavior,
    }}


def errors_of(tmp_path: Path, document: dict) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, document))
    return caught.value.errors


def test_demo_config_loads_without_warnings():
    config = load_config(DEMO_CONFIG)
    assert config.warnings == ()
    assert [b.path_pattern for b in config.distribution.all_behaviors()] == ["/api/*", "*"]


def test_spec_example_with_etag_loads_unchanged():
    config = load_config(DATA / "spec-example.json")
    dist = config.distribution
    assert set(dist.origins) == {"app", "fallback"}
    assert dist.origin_groups["app-with-fallback"].failover_status_codes == {502, 503, 504}
    assert dist.custom_error_responses[0].response_code == 503
    api = dist.behaviors[0]
    assert api.association("origin-request").name == "auth"
    assert api.association("origin-request").version == "7"
    assert api.association("origin-request").include_body is True
    assert dist.default_behavior.association("viewer-request").name == "add-index"
    assert config.functions["add-index"].code_path == (DATA / "functions" / "add-index.js").resolve()


def test_get_distribution_config_output_warns_once_about_what_is_not_emulated():
    config = load_config(DATA / "get-distribution-config.json")
    assert len(config.warnings) == 1
    warning = config.warnings[0]
    assert "DistributionConfig.ViewerCertificate" in warning
    assert "PriceClass" in warning
    assert "Logging" not in warning, "a disabled setting changes nothing and needs no warning"
    assert "TrustedSigners" not in warning


def test_wrappers_are_optional(tmp_path):
    document = minimal()
    document["DistributionConfig"]["Origins"] = document["DistributionConfig"]["Origins"]["Items"]
    document["DistributionConfig"]["DefaultCacheBehavior"]["AllowedMethods"] = {"Items": ["GET", "HEAD", "OPTIONS"]}
    config = load_config(write(tmp_path, document))
    assert config.distribution.default_behavior.allowed_methods == {"GET", "HEAD", "OPTIONS"}


def test_localhost_origin_reaches_local_dev_server(tmp_path):
    config = load_config(write(tmp_path, minimal()))
    assert config.distribution.origins["app"].base_url() == "http://localhost:3000"


def test_origin_override_maps_real_origin_to_local_url(tmp_path):
    document = minimal()
    document["DistributionConfig"]["Origins"]["Items"][0]["DomainName"] = "api.example.com"
    config = load_config(write(tmp_path, document), origin_overrides={"app": "http://127.0.0.1:4000"})
    origin = config.distribution.origins["app"]
    assert origin.base_url() == "http://127.0.0.1:4000"
    assert origin.domain_name == "api.example.com"


def test_override_of_unknown_origin_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, minimal()), origin_overrides={"nope": "http://127.0.0.1:1"})
    assert caught.value.errors[0][0] == "Edgesim.Origins.nope"


def test_unknown_target_origin_names_the_field_path(tmp_path):
    document = minimal()
    document["DistributionConfig"]["CacheBehaviors"] = {"Quantity": 3, "Items": [
        {"PathPattern": f"/p{i}/*", "TargetOriginId": "app" if i < 2 else "missing",
         "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}
        for i in range(3)]}
    errors = errors_of(tmp_path, document)
    assert errors == [("DistributionConfig.CacheBehaviors.Items[2].TargetOriginId",
                       "names no origin or origin group (known: app)")]


def test_path_pattern_with_forbidden_characters_is_an_error(tmp_path):
    document = minimal()
    document["DistributionConfig"]["CacheBehaviors"] = {"Quantity": 1, "Items": [
        {"PathPattern": "/a b/*", "TargetOriginId": "app", "ViewerProtocolPolicy": "allow-all",
         "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}]}
    path, message = errors_of(tmp_path, document)[0]
    assert path == "DistributionConfig.CacheBehaviors.Items[0].PathPattern"
    assert "expected only" in message


def test_quantity_that_disagrees_with_items_is_an_error(tmp_path):
    document = minimal()
    document["DistributionConfig"]["Origins"]["Quantity"] = 2
    assert errors_of(tmp_path, document) == [("DistributionConfig.Origins.Quantity", "says 2 but Items holds 1")]


def test_cached_methods_outside_allowed_methods_is_an_error(tmp_path):
    document = minimal(AllowedMethods={"Quantity": 2, "Items": ["GET", "HEAD"],
                                       "CachedMethods": {"Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"]}})
    paths = [p for p, _ in errors_of(tmp_path, document)]
    assert paths == ["DistributionConfig.DefaultCacheBehavior.AllowedMethods.CachedMethods.Items"]


def test_allowed_methods_must_be_one_of_cloudfronts_three_sets(tmp_path):
    document = minimal(AllowedMethods={"Quantity": 3, "Items": ["GET", "HEAD", "POST"]})
    path, message = errors_of(tmp_path, document)[0]
    assert path == "DistributionConfig.DefaultCacheBehavior.AllowedMethods.Items"
    assert "GET,HEAD,OPTIONS,PUT,POST,PATCH,DELETE" in message


def test_behavior_without_cache_policy_needs_forwarded_values(tmp_path):
    document = minimal()
    del document["DistributionConfig"]["DefaultCacheBehavior"]["CachePolicyId"]
    assert errors_of(tmp_path, document) == [
        ("DistributionConfig.DefaultCacheBehavior.ForwardedValues", "is required when the behavior has no CachePolicyId")
    ]


def test_origin_request_policy_needs_a_cache_policy(tmp_path):
    document = minimal(OriginRequestPolicyId="216adef6-5c7f-47e4-b989-5492eafa07d3", ForwardedValues={"QueryString": False})
    del document["DistributionConfig"]["DefaultCacheBehavior"]["CachePolicyId"]
    paths = [p for p, _ in errors_of(tmp_path, document)]
    assert "DistributionConfig.DefaultCacheBehavior.OriginRequestPolicyId" in paths


def test_wrong_type_says_what_was_expected(tmp_path):
    document = minimal()
    document["DistributionConfig"]["Origins"]["Items"][0]["CustomOriginConfig"]["HTTPPort"] = "eighty"
    path, message = errors_of(tmp_path, document)[0]
    assert path == "DistributionConfig.Origins.Items[0].CustomOriginConfig.HTTPPort"
    assert message == "expected an integer, got 'eighty'"


def test_connection_attempts_out_of_range_is_an_error(tmp_path):
    document = minimal()
    document["DistributionConfig"]["Origins"]["Items"][0]["ConnectionAttempts"] = 5
    assert errors_of(tmp_path, document) == [("DistributionConfig.Origins.Items[0].ConnectionAttempts", "expected 1 to 3, got 5")]


def test_function_arn_and_bare_name_both_resolve(tmp_path):
    (tmp_path / "fn.js").write_text("function handler(event) { return event.request; }")
    for arn in ("arn:aws:cloudfront::111122223333:function/rewrite", "rewrite"):
        document = minimal(FunctionAssociations={"Quantity": 1, "Items": [{"FunctionARN": arn, "EventType": "viewer-request"}]})
        document["Functions"] = {"rewrite": {"Runtime": "cloudfront-js-2.0", "Code": "fn.js"}}
        config = load_config(write(tmp_path, document))
        assert config.distribution.default_behavior.association("viewer-request").name == "rewrite"


def test_association_to_unknown_function_is_an_error(tmp_path):
    document = minimal(FunctionAssociations={"Quantity": 1, "Items": [
        {"FunctionARN": "arn:aws:cloudfront::111122223333:function/missing", "EventType": "viewer-request"}]})
    assert errors_of(tmp_path, document) == [(
        "DistributionConfig.DefaultCacheBehavior.FunctionAssociations.Items[0].FunctionARN",
        "names function 'missing', which is not in Functions",
    )]


def test_function_code_path_is_relative_to_the_config_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "fn.js").write_text("function handler(e) { return e.request; }")
    document = minimal()
    document["Functions"] = {"f": {"Runtime": "cloudfront-js-1.0", "Code": "sub/fn.js"}}
    config = load_config(write(tmp_path, document))
    assert config.functions["f"].code_path == tmp_path / "sub" / "fn.js"


def test_missing_function_code_is_an_error(tmp_path):
    document = minimal()
    document["Functions"] = {"f": {"Runtime": "cloudfront-js-2.0", "Code": "nope.js"}}
    path, message = errors_of(tmp_path, document)[0]
    assert path == "Functions.f.Code" and "does not exist" in message


def test_cloudfront_function_and_lambda_on_viewer_events_cannot_mix(tmp_path):
    (tmp_path / "fn.js").write_text("function handler(e) { return e.request; }")
    (tmp_path / "l").mkdir()
    document = minimal(
        FunctionAssociations={"Quantity": 1, "Items": [{"FunctionARN": "f", "EventType": "viewer-request"}]},
        LambdaFunctionAssociations={"Quantity": 1, "Items": [{"LambdaFunctionARN": "l", "EventType": "viewer-response"}]},
    )
    document["Functions"] = {"f": {"Code": "fn.js"}}
    document["Lambdas"] = {"l": {"Runtime": "python3.12", "Code": "l"}}
    path, message = errors_of(tmp_path, document)[0]
    assert path == "DistributionConfig.DefaultCacheBehavior.FunctionAssociations"
    assert "Lambda@Edge on viewer events" in message


def test_two_functions_on_one_event_is_an_error(tmp_path):
    (tmp_path / "l").mkdir()
    document = minimal(LambdaFunctionAssociations={"Quantity": 2, "Items": [
        {"LambdaFunctionARN": "l", "EventType": "origin-request"},
        {"LambdaFunctionARN": "l", "EventType": "origin-request"}]})
    document["Lambdas"] = {"l": {"Runtime": "python3.12", "Code": "l"}}
    assert "one per event type" in errors_of(tmp_path, document)[0][1]


def test_custom_error_response_code_is_a_string(tmp_path):
    document = minimal()
    document["DistributionConfig"]["CustomErrorResponses"] = {"Quantity": 1, "Items": [
        {"ErrorCode": 404, "ResponsePagePath": "/404.html", "ResponseCode": "200", "ErrorCachingMinTTL": 5}]}
    config = load_config(write(tmp_path, document))
    error = config.distribution.custom_error_responses[0]
    assert (error.error_code, error.response_code, error.error_caching_min_ttl) == (404, 200, 5)


def test_invalid_yaml_names_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("DistributionConfig:\n  Origins: [\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.errors[0][0].startswith("line ")
    assert str(path) in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path):
    document = minimal(ViewerProtocolPolicy="sometimes")
    document["DistributionConfig"]["Origins"]["Items"][0]["CustomOriginConfig"]["HTTPPort"] = 99999
    assert len(errors_of(tmp_path, document)) == 2


def test_serve_with_bad_config_exits_2_naming_file_and_field(tmp_path):
    document = minimal(ViewerProtocolPolicy="sometimes")
    path = write(tmp_path, document)
    result = subprocess.run(
        [sys.executable, "-m", "edgesim", "serve", str(path), "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert f"{path}: DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy: expected one of allow-all" in result.stderr


def test_cache_block_sets_tier_sizes_and_can_turn_caching_off(tmp_path):
    document = minimal()
    document["Edgesim"] = {"Cache": {"Enabled": False, "PopMaxBytes": 2048, "RecMaxBytes": 4096, "MaxObjectBytes": 1024}}
    cache = load_config(write(tmp_path, document)).settings.cache
    assert (cache.enabled, cache.pop_max_bytes, cache.rec_max_bytes, cache.max_object_bytes) == (False, 2048, 4096, 1024)


def test_cache_size_below_a_kilobyte_is_an_error(tmp_path):
    document = minimal()
    document["Edgesim"] = {"Cache": {"PopMaxBytes": 10}}
    assert errors_of(tmp_path, document) == [("Edgesim.Cache.PopMaxBytes", "expected 1024 to 1099511627776, got 10")]


@pytest.mark.parametrize(("section", "entry", "field"), [
    ("KeyValueStores", "\x00", "KeyValueStores.store"),
    ("Functions", {"Runtime": "cloudfront-js-2.0", "Code": "a\x00.js"}, "Functions.store.Code"),
    ("Edgesim", None, "Edgesim.BundledOrigins.site.Root"),
])
def test_a_file_path_with_a_nul_character_is_a_config_error_naming_the_field(tmp_path, section, entry, field):
    document = minimal()
    if section == "Edgesim":
        document["Edgesim"] = {"BundledOrigins": {"site": {"Kind": "static", "Root": "site\x00"}}}
    else:
        document[section] = {"store": entry}
    errors = dict(errors_of(tmp_path, document))
    assert errors[field] == "expected a file path, but it contains a NUL character"
