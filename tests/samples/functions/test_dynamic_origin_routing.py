"""aws-samples/sample-simple-dynamic-origin-routing-using-amazon-cloudfront-functions.

Its viewer-request function (lib/runtime/cloudfront-function-origin-selector/viewer-request.js)
is deployed by lib/cdn.ts with `runtime: FunctionRuntime.JS_2_0` and a KeyValueStore
imported from `{"data": [{"key": "__default__", ...}, {"key": "0", ...}]}`. It declares its
KVS lookups as async arrow functions bound to constants, so CloudFront accepts those in
cloudfront-js-2.0 (issue #13, point 1).
"""

from __future__ import annotations

from edgesim.config.model import Origin

from .cloudfront import V2, edge_request, request, run, through_the_edge, values, viewer_request

ORIGIN_SELECTOR = """
import cf from 'cloudfront';

const HEADER_KEY = 'x-origin-id'
const DEFAULT = '__default__';
const kvsHandle = cf.kvs();

const getFallbackDomain = async () => {
    try {
        return await kvsHandle.get(DEFAULT, { format: "string" });
    } catch (e) { }
    return null;
}

const getDomain = async (request) => {
    const originOverrideId = request.headers && request.headers[HEADER_KEY] && request.headers[HEADER_KEY].value;
    try {
        return originOverrideId
            ? await kvsHandle.get(originOverrideId, { format: "string" })
            : await getFallbackDomain();
    } catch (e) {
        return await getFallbackDomain();
    }
}

async function handler(event) {
    const request = event.request;
    const domain = await getDomain(request);
    if (domain) {
        cf.updateRequestOrigin({ "domainName": domain });
    }
    return request;
}
"""
STORE = {"data": [{"key": "__default__", "value": "default.example.com"},
                  {"key": "0", "value": "api-0.example.com"}, {"key": "1", "value": "api-1.example.com"}]}


def _domain_chosen(headers: dict[str, dict[str, str]]) -> str:
    out = run(ORIGIN_SELECTOR, viewer_request(request("/api", headers=headers)), V2, kvs=STORE)
    (call,) = out["_edgesim"]["originCalls"]
    return call["arguments"][0]["domainName"]


def test_origin_selector_follows_the_header_to_the_stored_domain() -> None:
    assert _domain_chosen(values(host="www.example.com", x_origin_id="1")) == "api-1.example.com"


def test_origin_selector_falls_back_to_the_default_for_unknown_or_missing_ids() -> None:
    assert _domain_chosen(values(host="www.example.com", x_origin_id="9")) == "default.example.com"
    assert _domain_chosen(values(host="www.example.com")) == "default.example.com"


def test_origin_selector_really_moves_the_request_at_the_edge() -> None:
    default = Origin(id="api", domain_name="default.example.com")
    result = through_the_edge(ORIGIN_SELECTOR, V2, edge_request("/api", headers=[("Host", "www.example.com"),
                                                                                    ("X-Origin-Id", "0")]),
                              [default], kvs={"__default__": "default.example.com", "0": "api-0.example.com"})
    assert result.origin is not None and result.origin.domain_name == "api-0.example.com"
