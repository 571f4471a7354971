"""Lambda@Edge in the real proxy: the edge app runs the associations at all four events."""

from __future__ import annotations


from tests.conftest import config_from, custom_origin, distribution
from tests.lambdas.helpers import requires_node, write_code

pytestmark = requires_node


def lambda_config(tmp_path, echo_origin, associations, code):
    document = distribution([custom_origin("echo", echo_origin.port)],
                            default={"LambdaFunctionAssociations": {"Quantity": len(associations), "Items": associations}})
    document["Lambdas"] = {"edge": {"Runtime": "nodejs20.x", "Code": str(code), "MemorySize": 128, "Timeout": 2}}
    return config_from(document, base_dir=tmp_path)


def item(event: str, **extra) -> dict:
    return {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:edge:3", "EventType": event, **extra}


async def test_all_four_triggers_run_around_the_origin(tmp_path, edge_factory, echo_origin):
    code = write_code(tmp_path / "edge", {"index.js": """
        exports.handler = async (event) => {
          const cf = event.Records[0].cf;
          const type = cf.config.eventType;
          if (type === 'viewer-request') { cf.request.headers['x-vr'] = [{value: '1'}]; cf.request.uri = '/rewritten'; return cf.request; }
          if (type === 'origin-request') { cf.request.headers['x-or'] = [{value: cf.request.origin.custom.domainName}]; return cf.request; }
          cf.response.headers['x-' + (type === 'origin-response' ? 'ors' : 'vrs')] = [{value: '1'}];
          return cf.response;
        };
    """})
    events = ["viewer-request", "origin-request", "origin-response", "viewer-response"]
    edge = await edge_factory(lambda_config(tmp_path, echo_origin, [item(e) for e in events], code))
    response = await edge.client.get("/original")
    assert response.status_code == 200
    seen = response.json()
    headers = {name.lower(): value for name, value in seen["headers"]}
    assert seen["path"] == "/rewritten"
    assert headers["x-vr"] == "1" and headers["x-or"] == "127.0.0.1"
    assert response.headers["x-ors"] == "1" and response.headers["x-vrs"] == "1"


async def test_include_body_reaches_the_function_through_the_proxy(tmp_path, edge_factory, echo_origin):
    code = write_code(tmp_path / "edge", {"index.js": """
        exports.handler = async (event) => {
          const request = event.Records[0].cf.request;
          request.body.action = 'replace'; request.body.encoding = 'text';
          request.body.data = Buffer.from(request.body.data, 'base64').toString().toUpperCase();
          return request;
        };
    """})
    edge = await edge_factory(lambda_config(tmp_path, echo_origin, [item("origin-request", IncludeBody=True)], code))
    response = await edge.client.post("/form", content=b"name=bob")
    assert response.json()["body"] == "NAME=BOB"


async def test_validation_failure_is_a_502_with_the_error_name(tmp_path, edge_factory, echo_origin):
    code = write_code(tmp_path / "edge", {"index.js": """
        exports.handler = async (event) => { const r = event.Records[0].cf.request; r.headers.host = [{value: 'evil'}]; return r; };
    """})
    edge = await edge_factory(lambda_config(tmp_path, echo_origin, [item("viewer-request")], code))
    response = await edge.client.get("/")
    assert response.status_code == 502
    assert response.headers["x-cache"] == "LambdaValidationError from cloudfront"


async def test_exception_is_a_503(tmp_path, edge_factory, echo_origin):
    code = write_code(tmp_path / "edge", {"index.js": "exports.handler = async () => { throw new Error('boom'); };"})
    edge = await edge_factory(lambda_config(tmp_path, echo_origin, [item("viewer-request")], code))
    response = await edge.client.get("/")
    assert response.status_code == 503
    assert response.headers["x-cache"] == "LambdaExecutionError from cloudfront"
