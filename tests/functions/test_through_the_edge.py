"""CloudFront Functions in the running proxy: config file to HTTP answer, over real sockets."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from edgesim.edge.assembly import EdgeOptions
from edgesim.observe.function_log import FunctionLog
from edgesim.observe.recorder import Recorder

from ..conftest import config_from, custom_origin, distribution

VIEWER_REQUEST = """import cf from 'cloudfront';
async function handler(event) {
  var request = event.request;
  if (request.uri === '/deny') return { statusCode: 403, statusDescription: 'Forbidden' };
  if (request.uri === '/steal-host') { request.headers.host = { value: 'evil.test' }; return request; }
  if (request.uri === '/boom') throw new Error('boom');
  if (request.uri === '/other') cf.selectRequestOriginById('second');
  var target = await cf.kvs().exists(request.uri) ? await cf.kvs().get(request.uri) : request.uri;
  request.uri = target;
  request.headers['x-function'] = { value: 'ran' };
  return request;
}
"""
VIEWER_RESPONSE = """function handler(event) {
  var response = event.response;
  response.headers['strict-transport-security'] = { value: 'max-age=63072000' };
  return response;
}
"""


def edge_config(tmp_path: Path, port: int) -> Any:
    (tmp_path / "vr.js").write_text(VIEWER_REQUEST)
    (tmp_path / "vres.js").write_text(VIEWER_RESPONSE)
    (tmp_path / "kvs.json").write_text(json.dumps({"data": [{"key": "/old", "value": "/new"}]}))
    document = distribution(
        [custom_origin("first", port), custom_origin("second", port, OriginPath="/second")],
        {"FunctionAssociations": {"Quantity": 2, "Items": [
            {"FunctionARN": "arn:aws:cloudfront::123456789012:function/vr", "EventType": "viewer-request"},
            {"FunctionARN": "vres", "EventType": "viewer-response"},
        ]}},
    )
    document["Functions"] = {"vr": {"Runtime": "cloudfront-js-2.0", "Code": "vr.js", "KeyValueStore": "redirects"},
                             "vres": {"Runtime": "cloudfront-js-1.0", "Code": "vres.js"}}
    document["KeyValueStores"] = {"redirects": "kvs.json"}
    return config_from(document, base_dir=tmp_path)


async def test_functions_change_what_the_origin_sees_and_what_the_viewer_gets(edge_factory, echo_origin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    edge = await edge_factory(edge_config(tmp_path, echo_origin.port))
    response = await edge.client.get("/old")
    assert response.status_code == 200
    seen = response.json()
    assert seen["path"] == "/new"
    assert ["X-Function", "ran"] in seen["headers"]
    assert response.headers["strict-transport-security"] == "max-age=63072000"


async def test_generated_response_is_marked_by_x_cache(edge_factory, echo_origin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    edge = await edge_factory(edge_config(tmp_path, echo_origin.port))
    response = await edge.client.get("/deny")
    assert response.status_code == 403
    assert response.headers["x-cache"] == "FunctionGeneratedResponse from cloudfront"
    assert "strict-transport-security" not in response.headers  # viewer-response skips >= 400


async def test_read_only_host_change_is_a_502(edge_factory, echo_origin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    edge = await edge_factory(edge_config(tmp_path, echo_origin.port))
    assert (await edge.client.get("/steal-host")).status_code == 502


async def test_thrown_error_is_a_503_and_the_edge_keeps_serving(edge_factory, echo_origin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    edge = await edge_factory(edge_config(tmp_path, echo_origin.port))
    assert (await edge.client.get("/boom")).status_code == 503
    assert (await edge.client.get("/old")).status_code == 200


async def test_select_origin_by_id_really_changes_the_origin(edge_factory, echo_origin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    edge = await edge_factory(edge_config(tmp_path, echo_origin.port))
    response = await edge.client.get("/other")
    assert response.status_code == 200
    assert response.json()["path"] == "/second/other"


async def test_a_failed_functions_log_lines_come_before_its_error_in_the_log_and_the_dashboard(
        edge_factory, echo_origin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A CloudFront Function's log of a failed run has what it printed, then the error; the
    dashboard's hook run keeps the same lines (TestFunction too: API_TestFunction)."""
    (tmp_path / "auth.js").write_text("function handler(event) { console.log('checking ' + event.request.uri);"
                                      " throw new Error('no token'); }")
    document = distribution([custom_origin("first", echo_origin.port)], {"FunctionAssociations": {"Quantity": 1, "Items": [
        {"FunctionARN": "auth", "EventType": "viewer-request"}]}})
    document["Functions"] = {"auth": {"Runtime": "cloudfront-js-2.0", "Code": "auth.js"}}
    stream, recorder = io.StringIO(), Recorder()
    edge = await edge_factory(config_from(document, base_dir=tmp_path),
                              options=EdgeOptions(observers=[FunctionLog(stream), recorder]))
    response = await edge.client.get("/private")
    assert response.status_code == 503
    request_id = response.headers["x-amz-cf-id"]
    assert [line.split(f"[auth 1 viewer-request us-east-1 {request_id}] ")[1] for line in stream.getvalue().splitlines()] == [
        "checking /private", "FunctionExecutionError: Error: no token"]
    assert recorder.get(request_id)["hooks"][0]["logs"] == ["checking /private"]
