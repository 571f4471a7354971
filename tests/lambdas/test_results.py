"""What CloudFront does with what a function returns (spec 2.1, 1.6, 1.7)."""

from __future__ import annotations

import base64

import pytest

from edgesim.config.model import Origin
from edgesim.edge.hooks import HookError
from edgesim.edge.model import Headers
from tests.lambdas.helpers import ORIGIN, make_call, make_hook, origin_response, requires_node, viewer_request

pytestmark = [pytest.mark.asyncio(loop_scope="module"), requires_node]


async def run(runtime, code, event_type, script, **kwargs):
    include_body = kwargs.pop("include_body", False)
    return await make_hook(runtime, code, event_type, include_body=include_body)(make_call(event_type, script=script, **kwargs))


@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
async def test_returned_request_goes_on_with_its_changes(runtime, scripted_node, event_type):
    result = await run(runtime, scripted_node, event_type, """
        request.uri = '/en/index.html'; request.querystring = 'lang=en';
        request.headers['x-new-thing'] = [{value: 'v'}];
        return request;""")
    assert result.response is None
    assert (result.request.uri, result.request.querystring) == ("/en/index.html", "lang=en")
    assert result.request.headers.get("x-new-thing") == "v"


async def test_missing_key_is_filled_in_capitalised(runtime, scripted_node):
    result = await run(runtime, scripted_node, "viewer-request", "request.headers['x-my-thing'] = [{value: 'v'}]; return request;")
    assert ("X-My-Thing", "v") in result.request.headers.items()


async def test_request_keeps_the_headers_hidden_from_the_function(runtime, scripted_node):
    request = viewer_request(headers=Headers([("Host", "h"), ("X-Amz-Cf-Id", "cf-id")]))
    result = await run(runtime, scripted_node, "viewer-request", "return request;", request=request)
    assert result.request.headers.get("X-Amz-Cf-Id") == "cf-id"


async def test_returned_request_may_omit_fields_it_does_not_change(runtime, scripted_node):
    result = await run(runtime, scripted_node, "viewer-request", "return {uri: '/other'};")
    assert result.request.uri == "/other"
    assert result.request.querystring == "a=1&b=2"
    assert result.request.headers.get("host") == "d111111abcdef8.cloudfront.net"


async def test_client_ip_and_method_are_read_only(runtime, scripted_node):
    result = await run(runtime, scripted_node, "viewer-request", "request.method = 'DELETE'; request.clientIp = '1.2.3.4'; return request;")
    assert (result.request.method, result.request.client_ip) == ("GET", "203.0.113.178")


@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
async def test_generated_response_answers_with_status_headers_and_text_body(runtime, scripted_node, event_type):
    result = await run(runtime, scripted_node, event_type, """
        return {status: '302', statusDescription: 'Found',
                headers: {location: [{key: 'Location', value: 'https://example.com/en/'}]}, body: 'moved'};""")
    assert result.request is None
    response = result.response
    assert (response.status, response.status_description, response.body) == (302, "Found", b"moved")
    assert response.headers.items() == [("Location", "https://example.com/en/")]


async def test_generated_response_with_base64_body_is_decoded(runtime, scripted_node):
    data = base64.b64encode(bytes(range(256))).decode()
    result = await run(runtime, scripted_node, "viewer-request", f"return {{status: '200', body: '{data}', bodyEncoding: 'base64'}};")
    assert result.response.body == bytes(range(256))


async def test_generated_response_needs_only_a_status(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-request", "return {status: '204'};")
    assert (result.response.status, result.response.body, result.response.headers.items()) == (204, b"", [])


async def test_origin_request_switches_to_another_custom_origin(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-request", """
        request.origin.custom.domainName = 'eu.example.org'; request.origin.custom.path = '/eu';
        request.origin.custom.port = 8443;
        request.headers['host'] = [{key: 'Host', value: 'eu.example.org'}];
        return request;""")
    origin = result.origin
    assert (origin.domain_name, origin.origin_path, origin.https_port, origin.protocol_policy) == ("eu.example.org", "/eu", 8443, "https-only")
    assert result.request.headers.get("host") == "eu.example.org"


async def test_origin_request_switches_from_custom_to_s3(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-request", """
        request.origin = {s3: {authMethod: 'none', customHeaders: {}, domainName: 'bucket.s3.amazonaws.com', path: '', region: 'us-east-1'}};
        return request;""")
    assert result.origin.is_s3 and result.origin.domain_name == "bucket.s3.amazonaws.com"


async def test_origin_request_keeps_the_s3_region_it_sets(runtime, scripted_node):
    # The developer guide's "change the Amazon S3 origin region" example sets region and domain.
    s3 = Origin(id="b", domain_name="my-bucket.s3.amazonaws.com", is_s3=True)
    result = await run(runtime, scripted_node, "origin-request", """
        request.origin.s3.region = 'eu-west-2';
        request.origin.s3.domainName = 'my-bucket-in-eu-west-2.s3.amazonaws.com';
        return request;""", origin=s3)
    assert result.origin.s3_region == "eu-west-2"
    only_region = await run(runtime, scripted_node, "origin-request", "request.origin.s3.region = 'ap-south-1'; return request;", origin=s3)
    assert only_region.origin is not None and only_region.origin.s3_region == "ap-south-1"


async def test_s3_region_set_at_origin_request_is_what_origin_response_sees(runtime, scripted_node):
    s3 = Origin(id="b", domain_name="my-bucket.s3.amazonaws.com", is_s3=True)
    chosen = (await run(runtime, scripted_node, "origin-request", "request.origin.s3.region = 'eu-west-2'; return request;", origin=s3)).origin
    seen = await run(runtime, scripted_node, "origin-response", """
        console.log('origin region ' + request.origin.s3.region);
        response.headers['x-region'] = [{value: request.origin.s3.region}]; return response;""", origin=chosen)
    assert seen.response.headers.get("x-region") == "eu-west-2"
    assert any("origin region eu-west-2" in line for line in seen.logs)


@pytest.mark.parametrize("region", ["42", "['eu-west-1']"])
async def test_s3_region_that_is_not_a_string_is_refused(runtime, scripted_node, region):
    s3 = Origin(id="b", domain_name="my-bucket.s3.amazonaws.com", is_s3=True)
    with pytest.raises(HookError) as caught:
        await run(runtime, scripted_node, "origin-request", f"request.origin.s3.region = {region}; return request;", origin=s3)
    assert "request.origin.s3.region must be a string" in caught.value.reason


async def test_unchanged_origin_is_not_reported_as_a_switch(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-request", "return request;")
    assert result.origin is None


async def test_origin_switch_keeps_the_local_url_only_for_the_same_domain(runtime, scripted_node):
    local = Origin(id="app", domain_name="example.org", url_override="http://127.0.0.1:9000")
    same = await run(runtime, scripted_node, "origin-request", "request.origin.custom.path = '/v2'; return request;", origin=local)
    assert same.origin.url_override == "http://127.0.0.1:9000"
    other = await run(runtime, scripted_node, "origin-request", "request.origin.custom.domainName = 'b.example'; return request;", origin=local)
    assert other.origin.url_override is None


async def test_viewer_request_cannot_change_the_origin(runtime, scripted_node):
    result = await run(runtime, scripted_node, "viewer-request", "request.origin = {custom: {domainName: 'x.example'}}; return request;")
    assert result.origin is None


@pytest.mark.parametrize(("encoding", "data", "expected"), [("text", "new body", b"new body"), ("base64", "bmV3", b"new")])
async def test_body_replace_sends_the_new_body(runtime, scripted_node, encoding, data, expected):
    request = viewer_request(method="POST", body=b"old")
    script = f"request.body.action = 'replace'; request.body.encoding = '{encoding}'; request.body.data = '{data}'; return request;"
    result = await run(runtime, scripted_node, "viewer-request", script, request=request, include_body=True)
    assert result.request.body == expected


async def test_read_only_body_sends_the_full_original_even_when_truncated(runtime, scripted_node):
    original = b"y" * (41 * 1024)
    request = viewer_request(method="POST", body=original)
    result = await run(runtime, scripted_node, "viewer-request", "request.body.data = 'ignored'; return request;", request=request, include_body=True)
    assert result.request.body == original


@pytest.mark.parametrize(("encoding", "limit"), [("text", 40 * 1024), ("base64", int(53.2 * 1024))])
async def test_replaced_body_is_truncated_at_the_viewer_limit(runtime, scripted_node, encoding, limit):
    request = viewer_request(method="POST", body=b"old")
    script = f"request.body = {{action: 'replace', encoding: '{encoding}', data: 'QUFB'.repeat(20000)}}; return request;"
    result = await run(runtime, scripted_node, "viewer-request", script, request=request, include_body=True)
    expected = b"QUFB" * 20000
    expected = expected[:limit] if encoding == "text" else base64.b64decode(expected[:limit])
    assert result.request.body == expected


async def test_origin_response_may_change_status_and_headers(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-response", """
        response.status = '200'; response.statusDescription = 'Fine';
        response.headers['cache-control'] = [{key: 'Cache-Control', value: 'max-age=60'}];
        return response;""", response=origin_response(status=404, status_description="Not Found"))
    response = result.response
    assert (response.status, response.status_description) == (200, "Fine")
    assert response.headers.get("cache-control") == "max-age=60"


@pytest.mark.parametrize("event_type", ["origin-response", "viewer-response"])
async def test_response_without_body_passes_the_original_body_through(runtime, scripted_node, event_type):
    result = await run(runtime, scripted_node, event_type, "return response;")
    assert result.response.body == b"<html>origin body</html>"


async def test_origin_response_body_replaces_the_origin_body(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-response", "response.body = 'replaced'; return response;")
    assert result.response.body == b"replaced"


async def test_origin_response_empty_body_removes_the_body(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-response", "response.body = ''; return response;")
    assert result.response.body == b""


async def test_response_keeps_hidden_headers(runtime, scripted_node):
    response = origin_response(headers=Headers([("Content-Type", "text/plain"), ("X-Cache", "Miss from cloudfront")]))
    result = await run(runtime, scripted_node, "viewer-response", "return response;", response=response)
    assert result.response.headers.get("x-cache") == "Miss from cloudfront"


async def test_result_carries_logs_duration_and_version(runtime, scripted_node):
    result = await run(runtime, scripted_node, "viewer-request", "console.log('hello from the edge'); return request;")
    assert any(line.endswith("\tINFO\thello from the edge") for line in result.logs)
    assert result.logs[-1].startswith("REPORT RequestId: ")
    assert result.duration_ms > 0
    assert result.version == "1"


async def test_origin_passed_to_an_origin_event_is_the_configured_one(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-request", "return {status: '200', body: request.origin.custom.customHeaders['x-origin-key'][0].value};", origin=ORIGIN)
    assert result.response.body == b"k1"


async def test_local_ip_origin_is_accepted_when_the_function_keeps_its_domain(runtime, scripted_node):
    local = Origin(id="dev", domain_name="127.0.0.1", http_port=3000)
    unchanged = await run(runtime, scripted_node, "origin-request", "return request;", origin=local)
    assert unchanged.origin is None
    new_path = await run(runtime, scripted_node, "origin-request", "request.origin.custom.path = '/v2'; return request;", origin=local)
    assert (new_path.origin.domain_name, new_path.origin.origin_path, new_path.origin.http_port) == ("127.0.0.1", "/v2", 3000)


async def test_origin_switch_leaves_the_host_header_to_the_function(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-request", "request.origin.custom.domainName = 'new.example'; return request;")
    assert result.origin.domain_name == "new.example"
    assert result.request.headers.get("host") == "d111111abcdef8.cloudfront.net"


async def test_origin_custom_headers_without_key_are_capitalised(runtime, scripted_node):
    result = await run(runtime, scripted_node, "origin-request",
                       "request.origin.custom.customHeaders = {'elb-key': [{value: 'secret'}]}; return request;")
    assert result.origin.custom_headers == (("Elb-Key", "secret"),)
