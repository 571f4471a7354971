"""Lambda@Edge runs in the serving POP's region, at the version its association names."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import config_from, custom_origin
from tests.topology.helpers import get

HANDLER = '''import os

def lambda_handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-ran"] = [{"key": "X-Ran", "value": "MARK " + os.environ["AWS_REGION"] + " " + context.function_version}]
    return response
'''


def write_lambda(directory: Path, mark: str) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "lambda_function.py").write_text(HANDLER.replace("MARK", mark))
    return directory


def lambda_config(tmp_path: Path, port: int, version: int):
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:stamp:{version}"
    document = {
        "DistributionConfig": {
            "Origins": {"Items": [custom_origin("o", port)]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                "LambdaFunctionAssociations": {"Quantity": 1, "Items": [
                    {"LambdaFunctionARN": arn, "EventType": "viewer-response"}]},
            },
        },
        "Lambdas": {"stamp": {"Runtime": "python3.12", "Code": "stamp", "Handler": "lambda_function.lambda_handler"}},
    }
    return config_from(document, base_dir=tmp_path)


async def test_lambda_runs_in_the_recs_region_at_the_associated_version(tmp_path, origin, make_edge):
    write_lambda(tmp_path / "stamp", "old")
    edge = await make_edge(lambda_config(tmp_path, origin.port, 3))
    frankfurt = await edge.handle(get("/a", X_Edgesim_Pop="FRA56-C1"))
    tokyo = await edge.handle(get("/a", X_Edgesim_Pop="NRT57-P2"))
    assert frankfurt.response.headers.get("x-ran") == "old eu-central-1 3"
    assert tokyo.response.headers.get("x-ran") == "old ap-northeast-1 3"
    assert [run.version for run in frankfurt.hooks] == ["3"]


async def test_publishing_a_lambda_associates_a_new_numbered_version(tmp_path, origin, make_edge):
    write_lambda(tmp_path / "stamp", "old")
    edge = await make_edge(lambda_config(tmp_path, origin.port, 3))
    write_lambda(tmp_path / "stamp", "new")
    assert (await edge.handle(get("/b"))).response.headers.get("x-ran") == "old us-east-1 3", "published code only"
    assert edge.publish("stamp")["version"] == "4"
    assert (await edge.handle(get("/b"))).response.headers.get("x-ran") == "new us-east-1 4"


async def test_pointing_the_association_back_at_an_old_version_rolls_it_back(tmp_path, origin, make_edge):
    write_lambda(tmp_path / "stamp", "old")
    edge = await make_edge(lambda_config(tmp_path, origin.port, 3))
    write_lambda(tmp_path / "stamp", "new")
    await edge.reload(lambda_config(tmp_path, origin.port, 4))
    assert (await edge.handle(get("/c"))).response.headers.get("x-ran") == "new us-east-1 4"
    await edge.reload(lambda_config(tmp_path, origin.port, 3))
    assert (await edge.handle(get("/c"))).response.headers.get("x-ran") == "old us-east-1 3"
