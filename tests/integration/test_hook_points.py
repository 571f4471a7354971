"""The four hook points through the pipeline's one interface, with in-process test hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from edgesim.config.model import Origin
from edgesim.edge.hooks import HookCall, HookError, HookResult, HookSet
from edgesim.edge.model import EdgeResponse, Headers
from tests.conftest import config_from, custom_origin, distribution

DEFAULT = "DistributionConfig.DefaultCacheBehavior"


@dataclass
class ScriptedHook:
    """A hook whose behaviour is a Python function; it records every call it gets."""

    name: str
    act: Callable[[HookCall], HookResult]
    calls: list[HookCall] = field(default_factory=list)
    kind: str = "function"

    async def __call__(self, call: HookCall) -> HookResult:
        self.calls.append(call)
        return self.act(call)


def passthrough(call: HookCall) -> HookResult:
    if call.response is None:
        return HookResult(request=call.request)
    return HookResult(response=call.response)


def hooks(**by_event: ScriptedHook) -> HookSet:
    return HookSet({DEFAULT: {event.replace("_", "-"): hook for event, hook in by_event.items()}})


def flaky_config(flaky_origin):
    return config_from(distribution([custom_origin("flaky", flaky_origin.port)]))


async def test_all_four_hooks_run_in_cloudfront_order(edge_factory, flaky_origin):
    order: list[str] = []

    def record(call: HookCall) -> HookResult:
        order.append(call.event_type)
        return passthrough(call)

    table = {e: ScriptedHook(e, record) for e in ("viewer_request", "origin_request", "origin_response", "viewer_response")}
    edge = await edge_factory(flaky_config(flaky_origin), hooks=hooks(**table))
    response = await edge.client.get("/status/200")
    assert response.status_code == 200
    assert order == ["viewer-request", "origin-request", "origin-response", "viewer-response"]


async def test_hooks_see_the_event_context(edge_factory, flaky_origin):
    hook = ScriptedHook("ctx", passthrough)
    edge = await edge_factory(flaky_config(flaky_origin), hooks=hooks(origin_request=hook))
    response = await edge.client.get("/status/200")
    call = hook.calls[0]
    assert call.context.request_id == response.headers["x-amz-cf-id"]
    assert call.context.distribution_domain_name.endswith(".cloudfront.net")
    assert isinstance(call.origin, Origin) and call.origin.id == "flaky"


async def test_viewer_request_change_reaches_origin(edge_factory, echo_origin):
    def rewrite(call: HookCall) -> HookResult:
        request = call.request.copy()
        request.uri = "/rewritten"
        request.headers.add("X-Added", "yes")
        return HookResult(request=request)

    config = config_from(distribution([custom_origin("echo", echo_origin.port)]))
    edge = await edge_factory(config, hooks=hooks(viewer_request=ScriptedHook("rw", rewrite)))
    seen = (await edge.client.get("/original")).json()
    assert seen["path"] == "/rewritten"
    assert ["X-Added", "yes"] in seen["headers"]


async def test_viewer_request_generated_response_skips_origin_and_viewer_response(edge_factory, flaky_origin):
    def answer(call: HookCall) -> HookResult:
        return HookResult(response=EdgeResponse(302, Headers([("Location", "/elsewhere")]), b""))

    later = ScriptedHook("later", passthrough)
    origin_hook = ScriptedHook("origin", passthrough)
    table = hooks(viewer_request=ScriptedHook("gen", answer), origin_request=origin_hook, viewer_response=later)
    edge = await edge_factory(flaky_config(flaky_origin), hooks=table)
    response = await edge.client.get("/status/200", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/elsewhere"
    assert response.headers["x-cache"] == "FunctionGeneratedResponse from cloudfront"
    assert later.calls == [] and origin_hook.calls == []


async def test_origin_request_generated_response_skips_origin_response(edge_factory, flaky_origin):
    def answer(call: HookCall) -> HookResult:
        return HookResult(response=EdgeResponse(200, Headers([("Content-Type", "text/plain")]), b"from origin-request"))

    origin_response = ScriptedHook("or", passthrough)
    viewer_response = ScriptedHook("vr", passthrough)
    table = hooks(origin_request=ScriptedHook("gen", answer), origin_response=origin_response, viewer_response=viewer_response)
    edge = await edge_factory(flaky_config(flaky_origin), hooks=table)
    response = await edge.client.get("/status/200")
    assert response.text == "from origin-request"
    assert origin_response.calls == []
    assert len(viewer_response.calls) == 1


async def test_origin_response_runs_on_origin_errors(edge_factory, flaky_origin):
    origin_response = ScriptedHook("or", passthrough)
    edge = await edge_factory(flaky_config(flaky_origin), hooks=hooks(origin_response=origin_response))
    response = await edge.client.get("/status/503")
    assert response.status_code == 503
    assert origin_response.calls[0].response.status == 503


async def test_viewer_response_skipped_for_404(edge_factory, flaky_origin):
    viewer_response = ScriptedHook("vr", passthrough)
    edge = await edge_factory(flaky_config(flaky_origin), hooks=hooks(viewer_response=viewer_response))
    response = await edge.client.get("/status/404")
    assert response.status_code == 404
    assert viewer_response.calls == []


async def test_viewer_response_change_reaches_viewer(edge_factory, flaky_origin):
    def add_header(call: HookCall) -> HookResult:
        response = call.response
        response.headers.add("Strict-Transport-Security", "max-age=63072000")
        return HookResult(response=response)

    edge = await edge_factory(flaky_config(flaky_origin), hooks=hooks(viewer_response=ScriptedHook("sec", add_header)))
    response = await edge.client.get("/status/200")
    assert response.headers["strict-transport-security"] == "max-age=63072000"
    assert response.headers["x-cache"] == "Miss from cloudfront"


async def test_hook_error_becomes_cloudfront_error_page_and_server_keeps_serving(edge_factory, flaky_origin, caplog):
    def broken(call: HookCall) -> HookResult:
        raise HookError(502, "LambdaValidationError", "auth", "header 'via' is read-only at viewer-request and was changed")

    edge = await edge_factory(flaky_config(flaky_origin), hooks=hooks(viewer_request=ScriptedHook("auth", broken)))
    with caplog.at_level("INFO", logger="edgesim"):
        response = await edge.client.get("/status/200")
    assert response.status_code == 502
    assert response.headers["x-cache"] == "LambdaValidationError from cloudfront"
    assert response.headers["server"] == "CloudFront"
    assert any("header 'via' is read-only" in r.getMessage() for r in caplog.records)
    assert (await edge.client.get("/status/200")).status_code == 502


async def test_function_execution_error_is_named_by_x_cache(edge_factory, flaky_origin):
    """A CloudFront Function that throws on the edge answers 503 with `x-cache:
    FunctionExecutionError from cloudfront` (observed on a live distribution, hugoleborso/borso.fr
    incident notes; log parsers count `FunctionExecutionError` as an x-edge-result-type)."""
    def broken(call: HookCall) -> HookResult:
        raise HookError(503, "FunctionExecutionError", "fn", "ReferenceError: x is not defined")

    edge = await edge_factory(flaky_config(flaky_origin), hooks=hooks(viewer_request=ScriptedHook("fn", broken)))
    response = await edge.client.get("/status/200")
    assert response.status_code == 503
    assert response.headers["x-cache"] == "FunctionExecutionError from cloudfront"


async def test_hook_chosen_origin_outside_config_is_refused(edge_factory, echo_origin):
    def elsewhere(call: HookCall) -> HookResult:
        return HookResult(request=call.request, origin=Origin(id="x", domain_name="example.com", http_port=80))

    config = config_from(distribution([custom_origin("echo", echo_origin.port)]))
    edge = await edge_factory(config, hooks=hooks(origin_request=ScriptedHook("o", elsewhere)))
    response = await edge.client.get("/")
    assert response.status_code == 502
    assert "forwards only to configured origins" in response.text


async def test_uri_change_does_not_reselect_the_behavior(edge_factory, echo_origin, flaky_origin):
    def to_api(call: HookCall) -> HookResult:
        request = call.request.copy()
        request.uri = "/api/thing"
        return HookResult(request=request)

    behaviors = {"Quantity": 1, "Items": [{
        "PathPattern": "/api/*", "TargetOriginId": "flaky", "ViewerProtocolPolicy": "allow-all",
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
    }]}
    config = config_from(distribution([custom_origin("echo", echo_origin.port), custom_origin("flaky", flaky_origin.port)],
                                      CacheBehaviors=behaviors))
    edge = await edge_factory(config, hooks=hooks(viewer_request=ScriptedHook("rw", to_api)))
    seen = (await edge.client.get("/page")).json()
    assert seen["path"] == "/api/thing", "still the echo origin of the default behavior"


async def test_origin_hooks_run_again_against_the_failover_secondary(edge_factory, echo_origin, flaky_origin):
    calls = ScriptedHook("or", passthrough)
    groups = {"Quantity": 1, "Items": [{
        "Id": "group",
        "FailoverCriteria": {"StatusCodes": {"Quantity": 1, "Items": [503]}},
        "Members": {"Quantity": 2, "Items": [{"OriginId": "flaky"}, {"OriginId": "echo"}]},
    }]}
    config = config_from(distribution(
        [custom_origin("flaky", flaky_origin.port), custom_origin("echo", echo_origin.port)],
        default={"TargetOriginId": "group"}, OriginGroups=groups,
    ))
    edge = await edge_factory(config, hooks=hooks(origin_request=calls))
    response = await edge.client.get("/status/503")
    assert response.status_code == 200 and response.json()["path"] == "/status/503"
    assert [c.origin.id for c in calls.calls] == ["flaky", "echo"]
    post = await edge.client.post("/status/503", content=b"x")
    assert post.status_code == 503, "POST does not fail over"


async def test_viewer_hooks_do_not_run_on_the_https_redirect(edge_factory, flaky_origin):
    viewer_request = ScriptedHook("vr", passthrough)
    viewer_response = ScriptedHook("vres", passthrough)
    config = config_from(distribution([custom_origin("flaky", flaky_origin.port)],
                                      default={"ViewerProtocolPolicy": "redirect-to-https"}))
    edge = await edge_factory(config, hooks=hooks(viewer_request=viewer_request, viewer_response=viewer_response))
    response = await edge.client.get("/status/200")
    assert response.status_code == 301
    assert viewer_request.calls == [] and viewer_response.calls == []
