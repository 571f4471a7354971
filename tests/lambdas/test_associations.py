"""Association-time checks (spec 5.5): configs CloudFront would refuse are refused at load."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edgesim.config.load import ConfigError, build_config
from edgesim.lambdas.associations import package_size, validate_lambda_associations
from tests.lambdas.helpers import write_code

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}:{qualifier}"
BEHAVIOR_1_ITEM_0 = "DistributionConfig.CacheBehaviors.Items[1].LambdaFunctionAssociations.Items[0]"


def config(tmp_path: Path, associations: list[dict], lambdas: dict | None = None, files: dict | None = None):
    write_code(tmp_path / "fn", files or {"lambda_function.py": "def lambda_handler(e, c):\n    return e\n"})
    origin = {"Id": "o", "DomainName": "example.org", "CustomOriginConfig": {"OriginProtocolPolicy": "http-only"}}

    def behavior(pattern: str, items: list[dict]) -> dict:
        return {"PathPattern": pattern, "TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                "CachePolicyId": CACHING_DISABLED, "LambdaFunctionAssociations": {"Quantity": len(items), "Items": items}}

    document = {
        "Lambdas": lambdas or {"fn": {"Runtime": "python3.12", "Code": "fn"}},
        "DistributionConfig": {
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_DISABLED},
            "CacheBehaviors": {"Quantity": 2, "Items": [behavior("/a/*", []), behavior("/b/*", associations)]},
        },
    }
    return build_config(document, base_dir=tmp_path)


def problems_of(tmp_path: Path, associations: list[dict], lambdas: dict | None = None, files: dict | None = None) -> list[str]:
    """The loader's refusals as `field path: message` lines ([] when the config loads)."""
    try:
        config(tmp_path, associations, lambdas, files)
    except ConfigError as refused:
        return [f"{path}: {message}" for path, message in refused.errors]
    return []


def problems_at_load(tmp_path: Path, associations: list[dict], lambdas: dict | None = None) -> list[str]:
    """What loading the config says (the loader refuses it with these), as `path: message` lines."""
    try:
        loaded = config(tmp_path, associations, lambdas)
    except ConfigError as exc:
        return [f"{path}: {message}" for path, message in exc.errors]
    return validate_lambda_associations(loaded)


def association(event: str, qualifier: str = "1", region: str = "us-east-1", **extra) -> dict:
    arn = ARN.format(name="fn", qualifier=qualifier).replace("us-east-1", region)
    return {"LambdaFunctionARN": arn, "EventType": event, **extra}


def test_a_valid_association_has_no_problems(tmp_path):
    assert problems_of(tmp_path, [association("viewer-request")]) == []


def test_bare_function_name_is_accepted_as_local_shorthand(tmp_path):
    assert problems_of(tmp_path, [{"LambdaFunctionARN": "fn", "EventType": "origin-request"}]) == []


def test_function_outside_us_east_1_is_refused(tmp_path):
    problems = problems_of(tmp_path, [association("viewer-request", region="eu-west-1")])
    assert problems == [f"{BEHAVIOR_1_ITEM_0}.LambdaFunctionARN: InvalidLambdaFunctionAssociation: "
                        "The function must be in region 'us-east-1', not 'eu-west-1'"]


@pytest.mark.parametrize("qualifier", ["$LATEST", "live"])
def test_latest_or_alias_is_refused(tmp_path, qualifier):
    problems = problems_of(tmp_path, [association("viewer-request", qualifier=qualifier)])
    assert problems == [f"{BEHAVIOR_1_ITEM_0}.LambdaFunctionARN: InvalidLambdaFunctionAssociation: "
                        f"The function ARN must reference a numbered version, not '{qualifier}'"]


def test_unqualified_arn_is_refused(tmp_path):
    item = {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:fn", "EventType": "viewer-request"}
    assert "numbered version" in problems_of(tmp_path, [item])[0]


@pytest.mark.parametrize("event", ["origin-response", "viewer-response"])
def test_include_body_on_a_response_event_is_refused(tmp_path, event):
    problems = problems_of(tmp_path, [association(event, IncludeBody=True)])
    assert problems == [f"{BEHAVIOR_1_ITEM_0}.IncludeBody: InvalidLambdaFunctionAssociation: "
                        f"IncludeBody is only allowed for request events, not {event}"]


@pytest.mark.parametrize("event", ["viewer-request", "origin-request"])
def test_include_body_on_a_request_event_is_fine(tmp_path, event):
    assert problems_of(tmp_path, [association(event, IncludeBody=True)]) == []


def test_viewer_trigger_timeout_over_5_seconds_is_refused(tmp_path):
    lambdas = {"fn": {"Runtime": "python3.12", "Code": "fn", "Timeout": 30}}
    problems = problems_of(tmp_path, [association("viewer-response")], lambdas)
    assert problems == [f"{BEHAVIOR_1_ITEM_0}.LambdaFunctionARN: InvalidLambdaFunctionAssociation: "
                        "The function timeout is too large for viewer-response: 30 Max allowed: 5"]
    assert problems_of(tmp_path, [association("origin-response")], lambdas) == []


def test_viewer_trigger_memory_over_128_mb_is_refused(tmp_path):
    lambdas = {"fn": {"Runtime": "python3.12", "Code": "fn", "MemorySize": 1024}}
    problems = problems_of(tmp_path, [association("viewer-request")], lambdas)
    assert problems == [f"{BEHAVIOR_1_ITEM_0}.LambdaFunctionARN: InvalidLambdaFunctionAssociation: "
                        "The function memory size is too large for viewer-request: 1024 Max allowed: 128"]
    assert problems_of(tmp_path, [association("origin-request")], lambdas) == []


def test_viewer_trigger_package_over_1_mb_is_refused(tmp_path):
    cfg = config(tmp_path, [association("viewer-request")])
    (tmp_path / "fn" / "blob.bin").write_bytes(os.urandom(1024 * 1024 + 10))
    package_size.cache_clear()
    problems = validate_lambda_associations(cfg)
    assert len(problems) == 1 and "The function code size is too large for viewer-request" in problems[0]
    assert problems[0].endswith("Max allowed: 1048576")


def test_package_size_is_the_compressed_size(tmp_path):
    code = write_code(tmp_path / "compressible", {"index.js": "x" * 2_000_000})
    assert package_size(code) < 50_000


def test_missing_node_is_said_clearly_at_load(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    lambdas = {"fn": {"Runtime": "nodejs20.x", "Code": "fn"}}
    assert problems_at_load(tmp_path, [association("viewer-request")], lambdas) == [
        "Lambdas.fn.Runtime: nodejs20.x: Node.js runtimes need `node` on PATH, and none was found"
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    lambdas = {"fn": {"Runtime": "python3.12", "Code": "fn", "MemorySize": 256, "Timeout": 10}}
    items = [association("viewer-request", qualifier="$LATEST"), association("viewer-response", IncludeBody=True)]
    problems = problems_of(tmp_path, items, lambdas)
    assert len(problems) == 6
    assert any(p.startswith("DistributionConfig.CacheBehaviors.Items[1].LambdaFunctionAssociations.Items[1].IncludeBody") for p in problems)
