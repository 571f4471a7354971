"""Header values an edge function sets never put CR, LF or another invalid byte on the wire.

A CloudFront Function (viewer-request towards the origin, viewer-response towards the
viewer) and a Lambda@Edge function (origin-request towards the origin, origin-response
towards the viewer) each set a header to the value named, percent-encoded, in the query
string. CloudFront answers a value it refuses with its 502 validation error; anything it
accepts arrives as the bytes the function meant (UTF-8 for text beyond ASCII).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import config_from, custom_origin, distribution
from tests.hostile.wire import RecordingOrigin, converse

FUNCTION = """function handler(event) {
  var target = event.context.eventType === 'viewer-request' ? event.request : event.response;
  var q = event.request.querystring.v;
  if (q) target.headers['x-set'] = { value: decodeURIComponent(q.value) };
  return target;
}
"""
LAMBDA = """
from urllib.parse import unquote

def lambda_handler(event, context):
    cf = event["Records"][0]["cf"]
    target = cf["request"] if cf["config"]["eventType"] == "origin-request" else cf["response"]
    for part in cf["request"]["querystring"].split("&"):
        name, _, value = part.partition("=")
        if name == "v":
            target["headers"]["x-set"] = [{"key": "X-Set", "value": unquote(value)}]
    return target
"""

BAD_VALUES = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b", "a\x01b", "a\x7fb", "\x1b[31m"]


def hooked_config(tmp_path: Path, port: int) -> Any:
    (tmp_path / "fn.js").write_text(FUNCTION)
    (tmp_path / "lam").mkdir()
    (tmp_path / "lam" / "lambda_function.py").write_text(LAMBDA)
    function_assoc = {"FunctionAssociations": {"Quantity": 2, "Items": [
        {"FunctionARN": "fn", "EventType": "viewer-request"}, {"FunctionARN": "fn", "EventType": "viewer-response"}]}}
    lambda_assoc = {"LambdaFunctionAssociations": {"Quantity": 2, "Items": [
        {"LambdaFunctionARN": "lam", "EventType": "origin-request"},
        {"LambdaFunctionARN": "lam", "EventType": "origin-response"}]}}
    document = distribution([custom_origin("rec", port)], function_assoc)
    behavior = dict(document["DistributionConfig"]["DefaultCacheBehavior"], PathPattern="/lambda/*", **lambda_assoc)
    behavior.pop("FunctionAssociations")
    document["DistributionConfig"]["CacheBehaviors"] = {"Quantity": 1, "Items": [behavior]}
    document["Functions"] = {"fn": {"Runtime": "cloudfront-js-2.0", "Code": "fn.js"}}
    document["Lambdas"] = {"lam": {"Runtime": "python3.12", "Code": "lam"}}
    return config_from(document, base_dir=tmp_path)


@pytest.fixture
async def hooked_port(edge_factory: Any, recording_origin: RecordingOrigin, tmp_path: Path) -> int:
    edge = await edge_factory(hooked_config(tmp_path, recording_origin.port))
    return edge.server.port


async def get(port: int, target: str) -> Any:
    raw = f"GET {target} HTTP/1.1\r\nHost: d111111abcdef8.cloudfront.net\r\nConnection: close\r\n\r\n".encode()
    conversation = await converse(port, raw, quiet_for=15)
    assert conversation.closed and len(conversation.answers) == 1, conversation
    return conversation.answers[0]


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
@pytest.mark.parametrize("path", ["/fn", "/lambda/x"])
async def test_control_characters_in_a_value_a_function_sets_are_a_502_validation_error(
    hooked_port: int, recording_origin: RecordingOrigin, path: str, value: str
) -> None:
    answer = await get(hooked_port, f"{path}?v={quote(value, safe='')}")
    assert answer.status == 502
    assert answer.header("X-Cache") in ("FunctionValidationError from cloudfront", "LambdaValidationError from cloudfront")
    assert answer.header("X-Injected") is None
    assert recording_origin.seen == []  # viewer-request / origin-request refused before the origin


@pytest.mark.parametrize("path", ["/fn", "/lambda/x"])
async def test_text_beyond_latin_1_a_function_sets_goes_out_as_utf8(
    hooked_port: int, recording_origin: RecordingOrigin, path: str
) -> None:
    answer = await get(hooked_port, f"{path}?v={quote('naïve ☃ 日本', safe='')}")
    assert answer.status == 200
    sent_to_origin = dict(recording_origin.seen[0].headers)[b"X-Set"]
    assert sent_to_origin == "naïve ☃ 日本".encode()
    assert answer.header("X-Set").encode("latin-1") == "naïve ☃ 日本".encode()


async def test_tab_in_a_value_is_allowed_and_kept(hooked_port: int, recording_origin: RecordingOrigin) -> None:
    answer = await get(hooked_port, "/fn?v=" + quote("a\tb"))
    assert answer.status == 200
    assert dict(recording_origin.seen[0].headers)[b"X-Set"] == b"a\tb"
