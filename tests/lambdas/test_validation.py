"""Each CloudFront validation rule: a result that breaks it is a 502 LambdaValidationError."""

from __future__ import annotations

import pytest

from edgesim.edge.hooks import HookError
from edgesim.edge.model import Headers
from edgesim.lambdas.logs import log_file, validation_log_group
from tests.lambdas.helpers import DIST_ID, CONTEXT, make_call, make_hook, origin_response, requires_node, viewer_request

pytestmark = [pytest.mark.asyncio(loop_scope="module"), requires_node]


async def refused(runtime, code, event_type, script, **kwargs) -> HookError:
    hook = make_hook(runtime, code, event_type)
    with pytest.raises(HookError) as caught:
        await hook(make_call(event_type, script=script, **kwargs))
    error = caught.value
    assert (error.status, error.error_name) == (502, "LambdaValidationError")
    return error


async def accepted(runtime, code, event_type, script, **kwargs):
    return await make_hook(runtime, code, event_type)(make_call(event_type, script=script, **kwargs))


@pytest.mark.parametrize(("script", "reason"), [
    ("return null;", "must be an object type, got null"),
    ("return undefined;", "must be an object type, got null"),
    ("return 'a string';", "must be an object type, got str"),
    ("return [request];", "must be an object type, got list"),
])
async def test_result_that_is_not_an_object_is_refused(runtime, scripted_node, script, reason):
    assert reason in (await refused(runtime, scripted_node, "viewer-request", script)).reason


@pytest.mark.parametrize("value", ["42", "{}", "true", "null"])
async def test_header_value_that_is_not_a_string_is_refused(runtime, scripted_node, value):
    error = await refused(runtime, scripted_node, "viewer-request", f"request.headers['x-n'] = [{{key: 'X-N', value: {value}}}]; return request;")
    assert "header 'x-n'" in error.reason and "must be a string" in error.reason


async def test_header_value_with_crlf_is_refused(runtime, scripted_node):
    error = await refused(runtime, scripted_node, "origin-response",
                          "response.headers['location'] = [{key: 'Location', value: 'https://a/%0D' + String.fromCharCode(13, 10) + 'x'}]; return response;")
    assert "header 'location'" in error.reason and "invalid character" in error.reason


async def test_header_key_naming_another_header_is_sent_under_its_map_name_with_a_warning(runtime, scripted_node, tmp_path):
    # The developer guide's last-modified example copies the x-amz-meta-last-modified entry,
    # key and all, under 'last-modified'; CloudFront's handling is unconfirmed (spec 1.5).
    response = origin_response(headers=Headers([("X-Amz-Meta-Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT")]))
    result = await accepted(runtime, scripted_node, "origin-response", """
        response.headers['last-modified'] = [response.headers['x-amz-meta-last-modified'][0]];
        return response;""", response=response)
    assert result.response.headers.get("Last-Modified") == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert ("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT") in result.response.headers.items()
    warning = next(line for line in result.logs if "edgesim warning" in line)
    assert "response.headers['last-modified'] has key 'X-Amz-Meta-Last-Modified'" in warning
    assert "sends it as 'Last-Modified'" in warning and "unconfirmed" in warning
    logged = log_file(runtime.sink.log_dir, "us-east-1", validation_log_group(DIST_ID)).read_text()
    assert "edgesim warning" in logged


async def test_header_key_of_another_name_still_obeys_the_rules_of_its_map_name(runtime, scripted_node):
    error = await refused(runtime, scripted_node, "viewer-request", "request.headers['x-cache'] = [{key: 'X-B', value: 'v'}]; return request;")
    assert "header 'x-cache' is disallowed" in error.reason


@pytest.mark.parametrize(("name", "key"), [("x-a", "X B"), ("x-a", "X-A\\n"), ("x-a\\n", "X-A\\n"), ("x-a\\n", "X-B")])
async def test_header_name_or_key_that_is_not_a_token_is_refused(runtime, scripted_node, name, key):
    error = await refused(runtime, scripted_node, "origin-response", f"response.headers['{name}'] = [{{key: '{key}', value: 'v'}}]; return response;")
    assert "invalid header name" in error.reason


async def test_header_entries_must_be_a_list(runtime, scripted_node):
    await refused(runtime, scripted_node, "viewer-request", "request.headers['x-a'] = {key: 'X-A', value: 'v'}; return request;")


@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request", "origin-response", "viewer-response"])
@pytest.mark.parametrize("name", ["x-cache", "x-amz-cf-pop", "x-edge-location", "connection", "x-forwarded-proto"])
async def test_adding_a_disallowed_header_is_refused(runtime, scripted_node, event_type, name):
    target = "request" if event_type.endswith("request") else "response"
    error = await refused(runtime, scripted_node, event_type, f"{target}.headers['{name}'] = [{{value: 'v'}}]; return {target};")
    assert f"header '{name}' is disallowed" in error.reason


@pytest.mark.parametrize(("event_type", "name", "change"), [
    ("viewer-request", "host", "changed"),
    ("viewer-request", "via", "added"),
    ("viewer-request", "content-length", "added"),
    ("origin-request", "accept-encoding", "changed"),
    ("origin-request", "if-none-match", "added"),
    ("origin-response", "transfer-encoding", "removed"),
    ("origin-response", "via", "removed"),
    ("viewer-response", "warning", "added"),
    ("viewer-response", "via", "changed"),
])
async def test_touching_a_read_only_header_is_refused(runtime, scripted_node, event_type, name, change):
    target = "request" if event_type.endswith("request") else "response"
    script = {
        "added": f"{target}.headers['{name}'] = [{{value: '1'}}];",
        "changed": f"{target}.headers['{name}'] = [{{key: '{name}', value: 'changed'}}];",
        "removed": f"delete {target}.headers['{name}'];",
    }[change] + f" return {target};"
    request = viewer_request(headers=Headers([("Host", "h"), ("Accept-Encoding", "gzip")]))
    response = origin_response(headers=Headers([("Transfer-Encoding", "chunked"), ("Via", "1.1 o")]))
    error = await refused(runtime, scripted_node, event_type, script, request=request, response=response)
    assert f"header '{name}' is read-only at {event_type} and was {change}" in error.reason


async def test_host_is_writable_in_origin_request(runtime, scripted_node):
    result = await accepted(runtime, scripted_node, "origin-request", "request.headers.host = [{key: 'Host', value: 'other.example'}]; return request;")
    assert result.request.headers.get("host") == "other.example"


async def test_deleting_transfer_encoding_is_fine_outside_origin_response(runtime, scripted_node):
    response = origin_response(headers=Headers([("Transfer-Encoding", "chunked")]))
    result = await accepted(runtime, scripted_node, "viewer-response", "delete response.headers['transfer-encoding']; return response;", response=response)
    assert "transfer-encoding" not in result.response.headers


async def test_viewer_request_cannot_add_cloudfront_viewer_country(runtime, scripted_node):
    error = await refused(runtime, scripted_node, "viewer-request", "request.headers['cloudfront-viewer-country'] = [{value: 'DE'}]; return request;")
    assert "cloudfront-viewer-country" in error.reason


async def test_origin_request_may_add_cloudfront_viewer_country(runtime, scripted_node):
    result = await accepted(runtime, scripted_node, "origin-request", "request.headers['cloudfront-viewer-country'] = [{value: 'DE'}]; return request;")
    assert result.request.headers.get("CloudFront-Viewer-Country") == "DE"


@pytest.mark.parametrize(("status", "reason"), [
    ("'199'", "status 199 is invalid: it must be between 200 and 599"),
    ("600", "status 600 is invalid: it must be between 200 and 599"),
    ("'abc'", 'status "abc" is invalid: it must be a status code, as a number or a string of digits'),
    ("'2OO'", 'status "2OO" is invalid: it must be a status code, as a number or a string of digits'),
    ("'200 OK'", 'status "200 OK" is invalid'),
    ("200.5", "status 200.5 is invalid"),
    ("true", "status true is invalid"),
    ("null", "status null is invalid"),
])
async def test_generated_status_must_be_a_status_code_from_200_to_599(runtime, scripted_node, status, reason):
    error = await refused(runtime, scripted_node, "viewer-request", f"return {{status: {status}}};")
    assert reason in error.reason


@pytest.mark.parametrize(("event_type", "script"), [
    # The developer guide's examples return numbers: 403/302 generated, 200/302 when rewriting an error.
    ("viewer-request", "return {status: 403, statusDescription: 'Forbidden'};"),
    ("origin-request", "return {status: 302, headers: {location: [{key: 'Location', value: '/x'}]}};"),
    ("origin-response", "response.status = 200; response.body = 'fixed'; return response;"),
])
async def test_numeric_status_is_accepted(runtime, scripted_node, event_type, script):
    result = await accepted(runtime, scripted_node, event_type, script)
    assert result.response.status in (403, 302, 200)


async def test_response_event_result_must_have_a_status(runtime, scripted_node):
    await refused(runtime, scripted_node, "origin-response", "delete response.status; return response;")


async def test_viewer_request_204_with_a_body_is_refused(runtime, scripted_node):
    error = await refused(runtime, scripted_node, "viewer-request", "return {status: '204', body: 'x'};")
    assert "204" in error.reason


async def test_origin_request_may_answer_204_with_a_body(runtime, scripted_node):
    assert (await accepted(runtime, scripted_node, "origin-request", "return {status: '204', body: 'x'};")).response.status == 204


@pytest.mark.parametrize(("event_type", "limit"), [("viewer-request", 40 * 1024), ("origin-request", 1024 * 1024),
                                                    ("origin-response", 1024 * 1024), ("viewer-response", 40 * 1024)])
async def test_response_over_the_size_limit_counting_headers_is_refused(runtime, scripted_node, event_type, limit):
    header = "{'x-h': [{key: 'X-H', value: 'abc'}]}"  # 3 + 3 + 4 = 10 bytes on the wire
    status = "response.status" if event_type == "viewer-response" else "'200'"
    fits = f"return {{status: {status}, headers: {header}, body: 'b'.repeat({limit - 10})}};"
    bare = origin_response(headers=Headers())
    assert (await accepted(runtime, scripted_node, event_type, fits, response=bare)).response is not None
    error = await refused(runtime, scripted_node, event_type, fits.replace(f"{limit - 10}", f"{limit - 9}"), response=bare)
    assert f"exceeds the maximum allowed {limit} bytes" in error.reason


async def test_invalid_base64_body_is_refused(runtime, scripted_node):
    error = await refused(runtime, scripted_node, "viewer-request", "return {status: '200', body: '***', bodyEncoding: 'base64'};")
    assert "not valid base64" in error.reason


async def test_unknown_body_encoding_is_refused(runtime, scripted_node):
    await refused(runtime, scripted_node, "viewer-request", "return {status: '200', body: 'x', bodyEncoding: 'gzip'};")


async def test_invalid_base64_replacement_request_body_is_refused(runtime, scripted_node):
    request = viewer_request(method="POST", body=b"x")
    hook = make_hook(runtime, scripted_node, "origin-request", include_body=True)
    call = make_call("origin-request", request=request,
                     script="request.body = {action: 'replace', encoding: 'base64', data: '@@'}; return request;")
    with pytest.raises(HookError, match="not valid base64"):
        await hook(call)


async def test_viewer_response_cannot_change_status(runtime, scripted_node):
    error = await refused(runtime, scripted_node, "viewer-response", "response.status = '201'; return response;")
    assert "cannot change the status" in error.reason


async def test_uri_must_start_with_a_slash(runtime, scripted_node):
    error = await refused(runtime, scripted_node, "viewer-request", "request.uri = 'index.html'; return request;")
    assert "invalid URI" in error.reason


@pytest.mark.parametrize("query", ["a=b c", "a=b#frag", "a=\\u0001"])
async def test_querystring_without_spaces_control_characters_or_hash(runtime, scripted_node, query):
    await refused(runtime, scripted_node, "origin-request", f"request.querystring = '{query}'; return request;")


async def test_uri_and_querystring_must_stay_under_8192_characters(runtime, scripted_node):
    await accepted(runtime, scripted_node, "viewer-request", "request.uri = '/' + 'a'.repeat(4000); request.querystring = 'q'.repeat(4190); return request;")
    error = await refused(runtime, scripted_node, "viewer-request", "request.uri = '/' + 'a'.repeat(4000); request.querystring = 'q'.repeat(4190); return request;".replace("4190", "4191"))
    assert "8192" in error.reason


@pytest.mark.parametrize(("change", "reason"), [
    ("o.port = 81", "port"),
    ("o.port = 70000", "port"),
    ("o.protocol = 'ftp'", "protocol"),
    ("o.readTimeout = 3", "readTimeout"),
    ("o.keepaliveTimeout = 61", "keepaliveTimeout"),
    ("o.sslProtocols = ['TLSv1.3']", "sslProtocols"),
    ("o.domainName = ''", "domainName"),
    ("o.domainName = 'example.org:8080'", "domainName"),
    ("o.domainName = '10.0.0.1'", "domainName"),
    ("o.path = 'no-slash'", "path"),
    ("o.path = '/trailing/'", "path"),
    ("o.customHeaders = {'x-cache': [{key: 'X-Cache', value: 'v'}]}", "disallowed"),
    ("o.customHeaders = {'user-agent': [{key: 'User-Agent', value: 'v'}]}", "already a request header"),
])
async def test_invalid_custom_origin_is_refused(runtime, scripted_node, change, reason):
    error = await refused(runtime, scripted_node, "origin-request", f"const o = request.origin.custom; {change}; return request;")
    assert reason in error.reason


@pytest.mark.parametrize(("origin", "reason"), [
    ("{custom: {domainName: 'a.example'}, s3: {domainName: 'b'}}", "exactly one"),
    ("{s3: {domainName: 'Bucket.s3.amazonaws.com'}}", "lower-case"),
    ("{s3: {domainName: 'b.s3.amazonaws.com', authMethod: 'oac'}}", "authMethod"),
    ("{s3: {domainName: 'b.s3.amazonaws.com', authMethod: 'origin-access-identity'}}", "region"),
])
async def test_invalid_origin_object_is_refused(runtime, scripted_node, origin, reason):
    error = await refused(runtime, scripted_node, "origin-request", f"request.origin = {origin}; return request;")
    assert reason in error.reason


async def test_validation_failure_goes_to_cloudfronts_log_group_with_both_request_ids(runtime, scripted_node):
    await refused(runtime, scripted_node, "viewer-request", "request.headers['x-cache'] = [{value: 'v'}]; return request;")
    path = log_file(runtime.sink.log_dir, "us-east-1", validation_log_group(DIST_ID))
    last = path.read_text().splitlines()[-1]
    assert CONTEXT.request_id in last and "LambdaValidationError: header 'x-cache' is disallowed" in last
    assert path.parts[-4:] == ("aws", "cloudfront", "LambdaEdge", f"{DIST_ID}.log")


async def test_validation_failure_has_the_function_logs_in_its_region(runtime, scripted_node):
    hook = make_hook(runtime, scripted_node, "viewer-request")
    with pytest.raises(HookError):
        await hook(make_call("viewer-request", region="ap-northeast-1", script="console.log('about to fail'); return null;"))
    group = log_file(runtime.sink.log_dir, "ap-northeast-1", "/aws/lambda/us-east-1.scripted-node")
    assert "about to fail" in group.read_text()
