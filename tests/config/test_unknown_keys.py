"""A misspelled key is an error with a "did you mean"; a real CloudFront field edgesim ignores is a warning.

The field names per object are CloudFront's (edgesim/config/cloudfront_fields.json, from the
API's service model; see docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from edgesim.config.fields import TYPES, type_at
from edgesim.config.load import load_config
from tests.config.test_load import errors_of, minimal, write
from tests.conftest import DATA


def test_misspelled_behavior_field_is_an_error_suggesting_the_real_one(tmp_path):
    document = minimal()
    behavior = document["DistributionConfig"]["DefaultCacheBehavior"]
    behavior["CachPolicyId"] = behavior.pop("CachePolicyId")
    errors = dict(errors_of(tmp_path, document))
    assert errors["DistributionConfig.DefaultCacheBehavior.CachPolicyId"] == (
        "is not a field of CloudFront's DefaultCacheBehavior; did you mean 'CachePolicyId'?"
    )


def test_misspelled_edgesim_key_is_an_error_suggesting_the_real_one(tmp_path):
    document = {**minimal(), "Edgesim": {"Lsiten": {"Port": 9000}}}
    assert errors_of(tmp_path, document) == [("Edgesim.Lsiten", "is not a key edgesim knows here; did you mean 'Listen'?")]


def test_unknown_key_deep_in_edgesim_settings_names_its_path(tmp_path):
    document = {**minimal(), "Edgesim": {"Listen": {"Host": "127.0.0.1", "Prot": 9000}}}
    assert errors_of(tmp_path, document) == [("Edgesim.Listen.Prot", "is not a key edgesim knows here; did you mean 'Port'?")]


def test_unknown_key_with_nothing_close_lists_what_is_expected(tmp_path):
    document = {**minimal(), "Edgesim": {"Listen": {"Zzz": 1}}}
    assert errors_of(tmp_path, document) == [("Edgesim.Listen.Zzz", "is not a key edgesim knows here; expected one of Host, Port")]


def test_misspelled_top_level_key_is_an_error(tmp_path):
    document = {**minimal(), "Lambda": {}}
    assert errors_of(tmp_path, document) == [("Lambda", "is not a key edgesim knows here; did you mean 'Lambdas'?")]


def test_misspelled_function_entry_key_is_an_error(tmp_path):
    (tmp_path / "f.js").write_text("function handler(event) { return event.request; }\n")
    document = {**minimal(), "Functions": {"f": {"Runtime": "cloudfront-js-2.0", "Code": "f.js", "KeyValueStor": "x"}}}
    assert errors_of(tmp_path, document) == [("Functions.f.KeyValueStor", "is not a key edgesim knows here; did you mean 'KeyValueStore'?")]


def test_typo_inside_a_list_item_and_inside_an_ignored_setting_are_both_found(tmp_path):
    document = minimal()
    dist = document["DistributionConfig"]
    dist["Origins"]["Items"][0]["ConnectionAttemps"] = 2
    dist["Logging"] = {"Enabled": True, "Bukket": "logs.s3.amazonaws.com", "Prefix": "", "IncludeCookies": False}
    errors = dict(errors_of(tmp_path, document))
    assert errors == {
        "DistributionConfig.Origins.Items[0].ConnectionAttemps":
            "is not a field of CloudFront's Origin; did you mean 'ConnectionAttempts'?",
        "DistributionConfig.Logging.Bukket": "is not a field of CloudFront's LoggingConfig; did you mean 'Bucket'?",
    }


def test_typo_in_a_plain_list_without_the_quantity_wrapper_is_found(tmp_path):
    document = minimal()
    document["DistributionConfig"]["Origins"] = [{**document["DistributionConfig"]["Origins"]["Items"][0], "DomainNmae": "x"}]
    errors = dict(errors_of(tmp_path, document))
    assert errors["DistributionConfig.Origins[0].DomainNmae"] == "is not a field of CloudFront's Origin; did you mean 'DomainName'?"


def test_real_cloudfront_field_edgesim_ignores_stays_a_warning(tmp_path):
    document = minimal()
    document["DistributionConfig"]["PriceClass"] = "PriceClass_100"
    document["DistributionConfig"]["DefaultCacheBehavior"]["RealtimeLogConfigArn"] = "arn:aws:cloudfront::111122223333:realtime-log-config/x"
    config = load_config(write(tmp_path, document))
    assert config.warnings == (
        "edgesim does not emulate these fields and ignores them: DistributionConfig.DefaultCacheBehavior.RealtimeLogConfigArn, "
        "DistributionConfig.PriceClass",
    )


def test_whole_get_distribution_config_output_loads_with_no_errors():
    config = load_config(DATA / "get-distribution-config.json")
    assert len(config.warnings) == 1


def test_field_table_follows_list_items_and_plain_lists():
    assert type_at("DistributionConfig.CacheBehaviors.Items[3]") == "CacheBehavior"
    assert type_at("DistributionConfig.CacheBehaviors[3]") == "CacheBehavior"
    assert type_at("DistributionConfig.Origins.Items[0].CustomOriginConfig") == "CustomOriginConfig"
    assert type_at("Edgesim.Listen") is None
    assert {"CachePolicyId", "FunctionAssociations", "LambdaFunctionAssociations"} <= set(TYPES["CacheBehavior"])


def test_serve_with_a_misspelled_key_exits_2_with_the_suggestion(tmp_path):
    document = minimal()
    document["DistributionConfig"]["DefaultCacheBehavior"]["ViewerProtocolPolcy"] = "allow-all"
    path = write(tmp_path, document)
    done = subprocess.run([sys.executable, "-m", "edgesim", "serve", str(path), "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert (f"{path}: DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolcy: is not a field of CloudFront's "
            "DefaultCacheBehavior; did you mean 'ViewerProtocolPolicy'?") in done.stderr


@pytest.mark.parametrize("name", ["get-distribution-config.json", "spec-example.json"])
def test_sample_configs_hold_only_cloudfront_fields(name):
    from edgesim.config.fields import unknown_fields

    assert unknown_fields(json.loads((DATA / name).read_text())["DistributionConfig"]) == []
