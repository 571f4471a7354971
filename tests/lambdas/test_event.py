"""What a function sees, row by row of spec section 1, at each of the four events."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from edgesim.config.model import Origin
from edgesim.edge.model import Headers
from edgesim.lambdas.provider import LambdaRuntime
from tests.lambdas.helpers import DIST_ID, CONTEXT, make_call, make_hook, requires_node, viewer_request

pytestmark = [pytest.mark.asyncio(loop_scope="module"), requires_node]

EVENTS = ("viewer-request", "origin-request", "origin-response", "viewer-response")
ECHO = "return {status: response ? response.status : '200', body: JSON.stringify(event)};"


async def seen(runtime: LambdaRuntime, code: Path, event_type: str, **kwargs: Any) -> dict[str, Any]:
    """The event the function received (it echoes it back as a response body)."""
    include_body = kwargs.pop("include_body", False)
    script = kwargs.pop("script", ECHO)
    hook = make_hook(runtime, code, event_type, include_body=include_body)
    result = await hook(make_call(event_type, script=script, **kwargs))
    assert result.response is not None
    return json.loads(result.response.body)


@pytest.mark.parametrize("event_type", EVENTS)
async def test_event_is_one_record_with_the_real_event_type(runtime, scripted_node, event_type):
    event = await seen(runtime, scripted_node, event_type)
    assert len(event["Records"]) == 1
    config = event["Records"][0]["cf"]["config"]
    assert config == {
        "distributionDomainName": "d111111abcdef8.cloudfront.net",
        "distributionId": DIST_ID,
        "eventType": event_type,
        "requestId": CONTEXT.request_id,
    }


@pytest.mark.parametrize("event_type", EVENTS)
async def test_response_appears_only_in_response_events(runtime, scripted_node, event_type):
    cf = (await seen(runtime, scripted_node, event_type))["Records"][0]["cf"]
    assert ("response" in cf) == event_type.endswith("response")


@pytest.mark.parametrize("event_type", EVENTS)
async def test_origin_appears_only_in_origin_events(runtime, scripted_node, event_type):
    request = (await seen(runtime, scripted_node, event_type))["Records"][0]["cf"]["request"]
    assert ("origin" in request) == event_type.startswith("origin-")


@pytest.mark.parametrize("event_type", EVENTS)
async def test_request_fields_client_ip_method_uri_querystring(runtime, scripted_node, event_type):
    request = (await seen(runtime, scripted_node, event_type))["Records"][0]["cf"]["request"]
    assert request["clientIp"] == "203.0.113.178"
    assert request["method"] == "GET"
    assert request["uri"] == "/index.html"
    assert request["querystring"] == "a=1&b=2"


async def test_querystring_is_an_empty_string_when_there_is_none(runtime, scripted_node):
    request = (await seen(runtime, scripted_node, "viewer-request", request=viewer_request(querystring="")))
    assert request["Records"][0]["cf"]["request"]["querystring"] == ""


async def test_headers_are_lists_of_key_value_under_lower_case_names(runtime, scripted_node):
    headers = (await seen(runtime, scripted_node, "viewer-request"))["Records"][0]["cf"]["request"]["headers"]
    assert headers["user-agent"] == [{"key": "User-Agent", "value": "curl/8.5.0"}]
    assert headers["accept"] == [{"key": "accept", "value": "*/*"}]


async def test_repeated_header_lines_become_entries_of_one_list(runtime, scripted_node):
    request = viewer_request(headers=Headers([("Host", "h"), ("X-Multi", "a"), ("x-multi", "b")]))
    headers = (await seen(runtime, scripted_node, "viewer-request", request=request))["Records"][0]["cf"]["request"]["headers"]
    assert headers["x-multi"] == [{"key": "X-Multi", "value": "a"}, {"key": "x-multi", "value": "b"}]


@pytest.mark.parametrize("event_type", EVENTS)
async def test_disallowed_headers_are_hidden_from_the_function(runtime, scripted_node, event_type):
    request = viewer_request(headers=Headers([("Host", "h"), ("X-Amz-Cf-Id", "abc"), ("X-Forwarded-Proto", "https"), ("Connection", "close")]))
    cf = (await seen(runtime, scripted_node, event_type, request=request))["Records"][0]["cf"]
    assert set(cf["request"]["headers"]) == {"host", "x-script"}


async def test_response_status_is_a_string_with_its_description(runtime, scripted_node):
    cf = (await seen(runtime, scripted_node, "origin-response"))["Records"][0]["cf"]
    assert cf["response"]["status"] == "200"
    assert cf["response"]["statusDescription"] == "OK"
    assert cf["response"]["headers"]["content-type"] == [{"key": "Content-Type", "value": "text/html"}]


@pytest.mark.parametrize("event_type", ["origin-response", "viewer-response"])
async def test_response_events_never_see_the_origin_body(runtime, scripted_node, event_type):
    cf = (await seen(runtime, scripted_node, event_type))["Records"][0]["cf"]
    assert "body" not in cf["response"]
    assert "body" not in cf["request"]


async def test_custom_origin_fields_in_origin_request(runtime, scripted_node):
    origin = (await seen(runtime, scripted_node, "origin-request"))["Records"][0]["cf"]["request"]["origin"]
    assert origin == {
        "custom": {
            "customHeaders": {"x-origin-key": [{"key": "x-origin-key", "value": "k1"}]},
            "domainName": "example.org",
            "keepaliveTimeout": 5,
            "path": "",
            "port": 443,
            "protocol": "https",
            "readTimeout": 30,
            "sslProtocols": ["TLSv1.2"],
        }
    }


async def test_s3_origin_fields_in_origin_request(runtime, scripted_node):
    s3 = Origin(id="b", domain_name="bucket.s3.eu-west-1.amazonaws.com", is_s3=True,
                s3_origin_access_identity="origin-access-identity/cloudfront/E1")
    origin = (await seen(runtime, scripted_node, "origin-request", origin=s3))["Records"][0]["cf"]["request"]["origin"]
    assert origin == {"s3": {"authMethod": "origin-access-identity", "customHeaders": {},
                             "domainName": "bucket.s3.eu-west-1.amazonaws.com", "path": "", "region": "eu-west-1"}}


BODY_SUMMARY = "const b = request.body; return {status: '200', body: JSON.stringify(b ? {...b, data: b.data.length} : null)};"


@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
async def test_body_is_base64_read_only_with_include_body(runtime, scripted_node, event_type):
    request = viewer_request(method="POST", body=b"name=bob")
    body = (await seen(runtime, scripted_node, event_type, request=request, include_body=True,
                       script="return {status: '200', body: JSON.stringify(request.body)};"))
    assert body == {"inputTruncated": False, "action": "read-only", "encoding": "base64", "data": base64.b64encode(b"name=bob").decode()}


async def test_body_is_absent_without_include_body(runtime, scripted_node):
    request = viewer_request(method="POST", body=b"name=bob")
    assert await seen(runtime, scripted_node, "viewer-request", request=request, script=BODY_SUMMARY) is None


async def test_body_is_absent_when_the_request_has_none(runtime, scripted_node):
    assert await seen(runtime, scripted_node, "viewer-request", include_body=True, script=BODY_SUMMARY) is None


@pytest.mark.parametrize(("event_type", "limit"), [("viewer-request", 40 * 1024), ("origin-request", 1024 * 1024)])
async def test_body_is_truncated_at_the_trigger_limit_and_says_so(runtime, scripted_node, event_type, limit):
    big = viewer_request(method="POST", body=b"x" * (limit + 10))
    body = await seen(runtime, scripted_node, event_type, request=big, include_body=True, script=BODY_SUMMARY)
    assert body["inputTruncated"] is True
    assert body["data"] == len(base64.b64encode(b"x" * limit))
    exact = viewer_request(method="POST", body=b"x" * limit)
    assert (await seen(runtime, scripted_node, event_type, request=exact, include_body=True, script=BODY_SUMMARY))["inputTruncated"] is False


async def test_python_function_sees_the_same_event(runtime, scripted_python):
    hook = make_hook(runtime, scripted_python, "origin-response", runtime_name="python3.12")
    call = make_call("origin-response", script="import json\nresult = {'status': '200', 'body': json.dumps(event)}")
    result = await hook(call)
    cf = json.loads(result.response.body)["Records"][0]["cf"]
    assert cf["config"]["eventType"] == "origin-response"
    assert cf["response"]["status"] == "200"
    assert cf["request"]["origin"]["custom"]["domainName"] == "example.org"
