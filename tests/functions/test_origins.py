"""Origin helpers really change where the request goes (spec §3.9)."""

from __future__ import annotations

import pytest

from edgesim.config.model import Origin
from edgesim.functions.event import FunctionValidationError
from edgesim.functions.origins import apply_origin_calls

from .helpers import V1, V2, run

CURRENT = Origin(id="app", domain_name="app.internal", origin_path="/v1", custom_headers=(("x-env", "dev"),),
                 read_timeout=30.0, url_override="http://127.0.0.1:3000")
OTHER = Origin(id="media", domain_name="media.internal", url_override="http://127.0.0.1:4000")
ORIGINS = {"app": CURRENT, "media": OTHER}


def apply(*calls: tuple[str, list]) -> Origin | None:
    origin, _ = apply_origin_calls([{"helper": h, "arguments": a} for h, a in calls], CURRENT, ORIGINS)
    return origin


def test_update_changes_given_fields_and_inherits_the_rest() -> None:
    origin = apply(("updateRequestOrigin", [{"originPath": "/v2", "timeouts": {"readTimeout": 5}}]))
    assert origin is not None
    assert (origin.id, origin.domain_name, origin.origin_path, origin.read_timeout) == ("app", "app.internal", "/v2", 5.0)
    assert origin.custom_headers == (("x-env", "dev"),)
    assert origin.url_override == "http://127.0.0.1:3000"


def test_new_domain_drops_the_local_override_of_the_old_origin() -> None:
    origin = apply(("updateRequestOrigin", [{"domainName": "api.example.com"}]))
    assert origin is not None and origin.domain_name == "api.example.com" and origin.url_override is None


def test_host_header_and_custom_headers() -> None:
    origin = apply(("updateRequestOrigin", [{"hostHeader": "h.example.com", "customHeaders": {"x-a": "1"}}]))
    assert origin is not None and origin.custom_headers == (("x-a", "1"), ("Host", "h.example.com"))
    cleared = apply(("updateRequestOrigin", [{"customHeaders": {}}]))
    assert cleared is not None and cleared.custom_headers == ()


def test_custom_origin_config_sets_protocol_port_and_tls() -> None:
    origin = apply(("updateRequestOrigin", [{"customOriginConfig": {"protocol": "https", "port": 8443, "sslProtocols": ["TLSv1.2"]},
                                             "connectionAttempts": 2}]))
    assert origin is not None
    assert (origin.protocol_policy, origin.https_port, origin.ssl_protocols, origin.connection_attempts) == (
        "https-only", 8443, ("TLSv1.2",), 2)


@pytest.mark.parametrize(("props", "message"), [
    ({"domainName": "10.0.0.1"}, "not an IP"),
    ({"domainName": "a.test:80"}, "without ':'"),
    ({"originPath": "v2"}, "start with '/'"),
    ({"originPath": "/v2/"}, "not end with '/'"),
    ({"connectionAttempts": 4}, "1 to 3"),
    ({"timeouts": {"connectionTimeout": 11}}, "connectionTimeout"),
    ({"timeouts": {"readTimeout": 10, "responseCompletionTimeout": 5}}, "responseCompletionTimeout"),
    ({"customHeaders": {"X-Upper": "1"}}, "lower-case"),
    ({"customHeaders": {"x-amz-cf-id": "1"}}, "disallowed"),
    ({"customOriginConfig": {"protocol": "ftp"}}, "'http' or 'https'"),
    ({"colour": "blue"}, "unknown property colour"),
])
def test_bad_update_properties_are_validation_errors(props: dict, message: str) -> None:
    with pytest.raises(FunctionValidationError, match=message):
        apply(("updateRequestOrigin", [props]))


def test_select_by_id_picks_the_configured_origin() -> None:
    assert apply(("selectRequestOriginById", ["media"])) == OTHER


def test_select_by_id_with_a_host_header() -> None:
    origin = apply(("selectRequestOriginById", ["media", {"hostHeader": "cdn.example.com"}]))
    assert origin is not None and origin.domain_name == "media.internal"
    assert ("Host", "cdn.example.com") in origin.custom_headers


def test_select_of_an_unknown_origin_is_a_validation_error() -> None:
    with pytest.raises(FunctionValidationError, match="no origin with ID 'nope'.*app, media"):
        apply(("selectRequestOriginById", ["nope"]))


@pytest.mark.parametrize("first", ["media", {"originId": "media"}])
def test_origin_group_sends_to_the_primary_and_says_failover_is_not_modelled(first: object) -> None:
    origin, notes = apply_origin_calls(
        [{"helper": "createRequestOriginGroup",
          "arguments": [{"originIds": [first, "app"], "failoverCriteria": {"statusCodes": [500]}}]}], CURRENT, ORIGINS)
    assert origin == OTHER and "failover" in notes[0]


def test_origin_group_overrides_apply_to_the_primary() -> None:
    origin = apply(("createRequestOriginGroup", [{"originIds": [{"originId": "media", "originOverrides": {"originPath": "/m"}},
                                                               {"originId": "app"}]}]))
    assert origin is not None and origin.origin_path == "/m" and origin.domain_name == "media.internal"


def test_calls_apply_in_order() -> None:
    origin = apply(("selectRequestOriginById", ["media"]), ("updateRequestOrigin", [{"originPath": "/z"}]))
    assert origin is not None and (origin.id, origin.origin_path) == ("media", "/z")


def test_update_without_a_current_origin_needs_a_domain() -> None:
    with pytest.raises(FunctionValidationError, match="domainName is required"):
        apply_origin_calls([{"helper": "updateRequestOrigin", "arguments": [{"originPath": "/x"}]}], None, {})


def test_helpers_are_recorded_from_js_in_viewer_request() -> None:
    outcome = run("import cf from 'cloudfront';\nfunction handler(e) { cf.selectRequestOriginById('media');"
                  " cf.updateRequestOrigin({originPath: '/p'}); return e.request; }", V2)
    assert outcome.origin_calls == [{"helper": "selectRequestOriginById", "arguments": ["media"]},
                                    {"helper": "updateRequestOrigin", "arguments": [{"originPath": "/p"}]}]


def test_helpers_throw_in_viewer_response() -> None:
    from .helpers import request_event

    event = request_event()
    event["context"]["eventType"] = "viewer-response"
    event["response"] = {"statusCode": 200, "headers": {}, "cookies": {}}
    outcome = run("import cf from 'cloudfront';\nfunction handler(e) { cf.updateRequestOrigin({}); return e.response; }",
                  V2, event=event)
    assert "only be used in viewer-request" in outcome.error


def test_helper_arguments_are_checked_in_js() -> None:
    outcome = run("import cf from 'cloudfront';\nfunction handler(e) { cf.createRequestOriginGroup({originIds: ['a']}); }", V2)
    assert outcome.error.startswith("TypeError: createRequestOriginGroup needs originIds with exactly two")


def test_edge_location_is_set_for_viewer_request_and_empty_for_viewer_response() -> None:
    from .helpers import request_event

    code = "import cf from 'cloudfront';\nfunction handler(e) { console.log(JSON.stringify(cf.edgeLocation)); return e.request; }"
    where = {"name": "FRA", "serverIp": "127.0.0.1", "region": "eu-central-1"}
    assert run(code, V2, edge_location=where).logs == ['{"name":"FRA","serverIp":"127.0.0.1","region":"eu-central-1"}']
    event = request_event()
    event["context"]["eventType"] = "viewer-response"
    assert run(code, V2, event=event, edge_location=where).logs == ["{}"]


def test_edge_location_is_each_run_own_and_one_object_within_a_run() -> None:
    """cf.edgeLocation is parsed when a run first reads it: never a previous request's POP."""
    from edgesim.functions.runtime import Engine

    from .helpers import request_event

    code = ("import cf from 'cloudfront';\nfunction handler(e) {\n"
            "  console.log(cf.edgeLocation.name + ' ' + (cf.edgeLocation === cf.edgeLocation)); return e.request; }")
    engine = Engine("where", code, V2)
    names = [engine.run(request_event(), now_ms=0, edge_location={"name": pop, "serverIp": "127.0.0.1",
                                                                   "region": "eu-central-1"}).logs
             for pop in ("FRA", "CDG", "FRA")]
    assert names == [["FRA true"], ["CDG true"], ["FRA true"]]


def test_distribution_tenant_is_not_available_on_a_standard_distribution() -> None:
    outcome = run("import cf from 'cloudfront';\nfunction handler(e) { return cf.distributionTenant.id; }", V2)
    assert outcome.error.startswith("TypeError: the distributionTenant module is not available")


def test_log_custom_data_keeps_the_last_call_url_encoded_and_cut_at_800_bytes() -> None:
    outcome = run("import cf from 'cloudfront';\nfunction handler(e) { cf.logCustomData('a'); cf.logCustomData('b c');"
                  " return e.request; }", V2)
    assert outcome.custom_log == "b%20c"
    long = run("import cf from 'cloudfront';\nfunction handler(e) { cf.logCustomData('/'.repeat(500)); return e.request; }", V2)
    assert long.custom_log == "%2F" * 266 + "%2"


def test_cloudfront_module_does_not_exist_in_1_0() -> None:
    outcome = run("var cf = require('cloudfront');\nfunction handler(e) { return e.request; }", V1)
    assert "Cannot find module 'cloudfront'" in outcome.error
