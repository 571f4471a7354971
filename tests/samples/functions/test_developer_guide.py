"""Examples from the CloudFront developer guide's CloudFront Functions pages.

Where a page gives code ("Use async and await"), the function keeps its shape; where a
page describes a helper in prose with request examples ("Helper methods for key value
stores", "Helper methods for origin modification", "General helper methods"), the
function is written here around those calls and the outcome the page states.
"""

from __future__ import annotations

import json

from edgesim.config.model import Origin

from .cloudfront import V2, edge_request, request, run, through_the_edge, values, viewer_request

ANSWER = """
async function answer() {
    return 42;
}

async function handler(event) {
    let answer_value = await answer();
    console.log("Answer"+answer_value);
    event.request.headers['answer'] = { value : ""+answer_value };
    return event.request;
}
"""


def test_async_await_answer_is_resolved_before_the_header_is_set() -> None:
    """"Use async and await": the first example (an async helper awaited by an async handler)."""
    out = run(ANSWER, viewer_request(), V2)
    assert out["request"]["headers"]["answer"] == {"value": "42"}
    assert out["_logs"] == ["Answer42"]


SQUARED_ANSWER = """
async function answer() {
    return 42;
}

async function squared_answer() {
   return answer().then(value => value * value)
}

async function handler(event) {
    let answer_value = await squared_answer();
    event.request.headers['answer'] = { value : ""+answer_value };
    return event.request;
}
"""


def test_async_await_then_chain_squares_the_answer() -> None:
    """"Use async and await": the `then` chain example with an arrow callback."""
    assert run(SQUARED_ANSWER, viewer_request(), V2)["request"]["headers"]["answer"] == {"value": "1764"}


KVS_METHODS = """
import cf from 'cloudfront';
const kvsHandle = cf.kvs();

async function handler(event) {
    const request = event.request;
    const settings = await kvsHandle.get("settings", { format: "json" });
    const banner = await kvsHandle.get("banner");
    const known = await kvsHandle.exists("banner");
    const unknown = await kvsHandle.exists("no-such-key");
    const meta = await kvsHandle.meta();
    request.headers['x-theme'] = { value: settings.theme };
    request.headers['x-banner'] = { value: banner };
    request.headers['x-exists'] = { value: known + "/" + unknown };
    request.headers['x-key-count'] = { value: String(meta.keyCount) };
    try {
        await kvsHandle.get("no-such-key");
    } catch (err) {
        request.headers['x-missing'] = { value: "rejected" };
    }
    return request;
}
"""


def test_key_value_store_get_exists_and_meta_answer_as_documented() -> None:
    """"Helper methods for key value stores": get() with format json and the default string,
    exists() as a boolean, meta() with keyCount, and get() of a missing key rejecting."""
    store = {"settings": json.dumps({"theme": "dark"}), "banner": "sale"}
    headers = run(KVS_METHODS, viewer_request(), V2, kvs=store)["request"]["headers"]
    assert headers["x-theme"] == {"value": "dark"} and headers["x-banner"] == {"value": "sale"}
    assert headers["x-exists"] == {"value": "true/false"}
    assert headers["x-key-count"] == {"value": "2"}
    assert headers["x-missing"] == {"value": "rejected"}


UPDATE_ORIGIN = """
import cf from 'cloudfront';

function handler(event) {
    cf.updateRequestOrigin({
        "domainName": "www.example.com",
        "originPath": "/new-path",
        "customHeaders": { "x-custom-header": "some value" },
        "connectionAttempts": 2,
        "originShield": { "enabled": true, "region": "us-east-2" },
        "timeouts": { "readTimeout": 30, "connectionTimeout": 5 },
        "customOriginConfig": { "port": 443, "protocol": "https", "sslProtocols": ["TLSv1.2"] }
    });
    return event.request;
}
"""


def test_update_request_origin_changes_what_it_names_and_inherits_the_rest() -> None:
    """"Helper methods for origin modification": updateRequestOrigin() with the page's properties;
    settings not given are inherited from the behavior's origin."""
    current = Origin(id="app", domain_name="app.example.com", keepalive_timeout=7.0)
    result = through_the_edge(UPDATE_ORIGIN, V2, edge_request(), [current])
    origin = result.origin
    assert origin is not None
    assert (origin.domain_name, origin.origin_path, origin.connection_attempts) == ("www.example.com", "/new-path", 2)
    assert origin.custom_headers == (("x-custom-header", "some value"),)
    assert (origin.protocol_policy, origin.https_port, origin.read_timeout) == ("https-only", 443, 30.0)
    assert origin.keepalive_timeout == 7.0


SELECT_BY_ID = """
import cf from 'cloudfront';

function handler(event) {
    const request = event.request;
    if (request.uri.startsWith('/media/')) {
        cf.selectRequestOriginById('media-origin');
    }
    return request;
}
"""


def test_select_request_origin_by_id_switches_to_a_configured_origin() -> None:
    """"Helper methods for origin modification": selectRequestOriginById() with an origin ID of the distribution."""
    app, media = Origin(id="app", domain_name="app.example.com"), Origin(id="media-origin", domain_name="media.example.com")
    assert through_the_edge(SELECT_BY_ID, V2, edge_request("/media/a.mp4"), [app, media]).origin == media
    assert through_the_edge(SELECT_BY_ID, V2, edge_request("/page"), [app, media]).origin in (None, app)


ORIGIN_GROUP = """
import cf from 'cloudfront';

function handler(event) {
    cf.createRequestOriginGroup({
        "originIds": [
            { "originId": "primary-origin", "originOverrides": { "originPath": "/v2" } },
            { "originId": "backup-origin" }
        ],
        "failoverCriteria": { "statusCodes": [500, 502, 503, 504] }
    });
    return event.request;
}
"""


def test_create_request_origin_group_sends_the_request_to_the_primary() -> None:
    """"Helper methods for origin modification": createRequestOriginGroup() with two origins, overrides on the first."""
    primary = Origin(id="primary-origin", domain_name="primary.example.com")
    backup = Origin(id="backup-origin", domain_name="backup.example.com")
    origin = through_the_edge(ORIGIN_GROUP, V2, edge_request(), [backup, primary]).origin
    assert origin is not None and (origin.domain_name, origin.origin_path) == ("primary.example.com", "/v2")


GENERAL_HELPERS = """
import cf from 'cloudfront';

function handler(event) {
    const request = event.request;
    const location = cf.edgeLocation;
    request.headers['x-pop'] = { value: location.name };
    request.headers['x-cache-region'] = { value: location.region };
    cf.logCustomData('country=' + request.headers['cloudfront-viewer-country'].value + ' raw=' + request.rawQueryString());
    return request;
}
"""


def test_edge_location_raw_query_string_and_custom_log_data() -> None:
    """"General helper methods": cf.edgeLocation (name, region), request.rawQueryString() and
    cf.logCustomData(), whose text the access log keeps URL-encoded."""
    req = edge_request("/", "b=2&a=1", headers=[("Host", "www.example.com"), ("CloudFront-Viewer-Country", "FR")])
    result = through_the_edge(GENERAL_HELPERS, V2, req, [Origin(id="app", domain_name="app.example.com")])
    assert result.request is not None
    headers = dict((name.lower(), value) for name, value in result.request.headers.items())
    assert headers["x-pop"] == "FRA" and headers["x-cache-region"] == "eu-central-1"
    out = run(GENERAL_HELPERS, viewer_request(request(querystring={"b": {"value": "2"}},
                                                      headers=values(host="h", cloudfront_viewer_country="FR"))), V2)
    assert out["_edgesim"]["customLogData"] == "country%3DFR%20raw%3Db%3D2"
