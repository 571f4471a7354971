"""The samples of aws-samples/amazon-cloudfront-functions, run as CloudFront runs them.

Each function below keeps its sample's shape (runtime, statements, helper calls); each
test names the sample's path and asserts the outcome its README and the developer guide's
"CloudFront Functions examples" pages describe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from edgesim.config.model import Origin

from .cloudfront import (NOW_SECONDS, V1, V2, edge_request, origin_after, request, run, through_the_edge, values,
                         viewer_request, viewer_response)

ADD_CACHE_CONTROL = """
function handler(event) {
    var response = event.response;
    var headers = response.headers;
    headers['cache-control'] = {value: 'public, max-age=63072000'};
    return response;
}
"""


def test_add_cache_control_header_sets_two_years_on_the_response() -> None:
    """add-cache-control-header/index.js (viewer response, runtime 1.0)."""
    out = run(ADD_CACHE_CONTROL, viewer_response({"headers": values(content_type="text/html")}), V1)
    assert out["response"]["headers"]["cache-control"] == {"value": "public, max-age=63072000"}


ADD_CORS = """
function handler(event)  {
    var request = event.request;
    var response  = event.response;
    if (!response.headers['access-control-allow-origin'] && request.headers['origin']) {
        response.headers['access-control-allow-origin'] = {value: request.headers['origin'].value};
        console.log("Access-Control-Allow-Origin was missing, adding it now.");
    }
    return response;
}
"""


def test_add_cors_header_copies_the_request_origin_when_missing() -> None:
    """add-cors-header/index.js with test-objects/no-cors-header.json's shape (viewer response)."""
    req = request(headers=values(host="www.example.com", origin="https://app.example.com"))
    out = run(ADD_CORS, viewer_response({"headers": values(server="CustomOriginServer")}, req), V1)
    assert out["response"]["headers"]["access-control-allow-origin"] == {"value": "https://app.example.com"}
    assert out["_logs"] == ["Access-Control-Allow-Origin was missing, adding it now."]


def test_add_cors_header_keeps_an_existing_header() -> None:
    """add-cors-header/test-objects/cors-header.json: the origin already sent the header."""
    req = request(headers=values(host="www.example.com", origin="https://app.example.com"))
    response = {"headers": values(access_control_allow_origin="https://www.example.com"),
                "cookies": {"loggedIn": {"value": "true", "attributes": "Secure; Path=/; Domain=example.com"}}}
    out = run(ADD_CORS, viewer_response(response, req), V1)
    assert out["response"]["headers"]["access-control-allow-origin"] == {"value": "https://www.example.com"}
    assert out["response"]["cookies"]["loggedIn"]["attributes"] == "Secure; Path=/; Domain=example.com"


ADD_ORIGIN = """
function handler(event) {
    var request = event.request;
    var headers = request.headers;
    var host = request.headers.host.value;
   if (!headers.origin)
       headers.origin = {value:`https://${host}`};
   return request;
}
"""


def test_add_origin_header_derives_it_from_host() -> None:
    """add-origin-header/index.js; also the guide's "Add CORS header to the request" page."""
    out = run(ADD_ORIGIN, viewer_request(), V1)
    assert out["request"]["headers"]["origin"] == {"value": "https://www.example.com"}


ADD_SECURITY_HEADERS = """
function handler(event) {
    var response = event.response;
    var headers = response.headers;
    headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubdomains; preload'};
    headers['content-security-policy'] = { value: "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'"};
    headers['x-content-type-options'] = { value: 'nosniff'};
    headers['x-frame-options'] = {value: 'DENY'};
    headers['x-xss-protection'] = {value: '1; mode=block'};
    headers['referrer-policy'] = {value: 'same-origin'};
    return response;
}
"""


def test_add_security_headers_sets_all_six() -> None:
    """add-security-headers/index.js (viewer response)."""
    out = run(ADD_SECURITY_HEADERS, viewer_response({"headers": values(content_type="text/html")}), V1)
    headers = out["response"]["headers"]
    assert headers["x-frame-options"] == {"value": "DENY"}
    assert headers["strict-transport-security"]["value"].startswith("max-age=63072000")
    assert {"content-security-policy", "x-content-type-options", "x-xss-protection", "referrer-policy"} <= set(headers)


ADD_TRUE_CLIENT_IP = """
function handler(event) {
    var request = event.request;
    var clientIP = event.viewer.ip;
    request.headers['true-client-ip'] = {value: clientIP};
    return request;
}
"""


def test_add_true_client_ip_header_carries_the_viewer_ip() -> None:
    """add-true-client-ip-header/index.js with test-event.json's shape."""
    out = run(ADD_TRUE_CLIENT_IP, viewer_request(ip="203.0.113.178"), V1)
    assert out["request"]["headers"]["true-client-ip"] == {"value": "203.0.113.178"}


ENFORCE_DOMAIN = """
function handler(event) {
    const request = event.request;
    const host = request.headers.host.value;
    const enforceDomainName = "www.example.com";
    if (host !== enforceDomainName) {
        const response = {
            statusCode: 301,
            statusDescription: 'Moved Permanently',
            headers:
            {
                location: { value: `https://${enforceDomainName}` },
            }
        }
        return response;
    }
    return request;
}
"""


def test_enforce_domain_redirect_sends_the_apex_to_www() -> None:
    """enforce-domain-redirect/index.js, test-objects/apex-domain.json and enforced-domain.json."""
    out = run(ENFORCE_DOMAIN, viewer_request(request(headers=values(host="example.com"))), V2)
    assert out["response"]["statusCode"] == 301
    assert out["response"]["headers"]["location"] == {"value": "https://www.example.com"}
    assert "request" in run(ENFORCE_DOMAIN, viewer_request(), V2)


AB_URI_MAPPING = """
import cf from 'cloudfront';
const kvsId = "KVS_ID";
const stickinessCookieName = "appversion";
const loggingEnabled = false;

async function handler(event) {
    const request = event.request;
    const pathSegments = request.uri.split('/');
    const key = pathSegments[1];
    if (!key || hasValidSticknessCookie(request.cookies[stickinessCookieName], key)) {
        return event.request;
    }
    try {
        const replacement = await getPathPrefixByWeightage(key);
        if (!replacement) {
            return event.request;
        }
        pathSegments[1] = replacement;
        log(`using prefix ${pathSegments[1]}`)
        const newUri = pathSegments.join('/');
        log(`${request.uri} -> ${newUri}`);
        request.uri = newUri;
        return request;
    } catch (err) {
        log(`request uri: ${request.uri}, error: ${err}`);
    }
    return event.request;
}

async function getPathPrefixByWeightage(key) {
    const kvsHandle = cf.kvs(kvsId);
    const kvsResponse = await kvsHandle.get(key);
    const weightageConfig = JSON.parse(kvsResponse);
    if (!weightageConfig || !isFinite(weightageConfig.a_weightage)) {
        return null;
    }
    if (Math.random() <= weightageConfig.a_weightage) {
        return weightageConfig.a_url ? weightageConfig.a_url: null;
    } else {
        return weightageConfig.b_url ? weightageConfig.b_url : null;
    }
}

function hasValidSticknessCookie(stickinessCookie, pathSegment) {
    return (stickinessCookie && stickinessCookie.value === pathSegment)
}

function log(message) {
    if (loggingEnabled) {
        console.log(message);
    }
}
"""


def test_kvs_conditional_read_rewrites_the_prefix_by_weight() -> None:
    """kvs-conditional-read/ABUriMappingFunction.js with the README's "latest" configuration."""
    store = {"all-a": json.dumps({"a_weightage": 1, "a_url": "v1", "b_url": "v2"}),
             "all-b": json.dumps({"a_weightage": 0, "a_url": "v1", "b_url": "v2"})}
    assert run(AB_URI_MAPPING, viewer_request(request("/all-a/app.js")), V2, kvs=store)["request"]["uri"] == "/v1/app.js"
    assert run(AB_URI_MAPPING, viewer_request(request("/all-b/app.js")), V2, kvs=store)["request"]["uri"] == "/v2/app.js"


def test_kvs_conditional_read_leaves_unknown_keys_and_sticky_viewers_alone() -> None:
    """kvs-conditional-read: a missing key (get rejects) and a matching stickiness cookie."""
    store = {"latest": json.dumps({"a_weightage": 1, "a_url": "v1", "b_url": "v2"})}
    assert run(AB_URI_MAPPING, viewer_request(request("/other/x")), V2, kvs=store)["request"]["uri"] == "/other/x"
    sticky = request("/latest/x", cookies=values(appversion="latest"))
    assert run(AB_URI_MAPPING, viewer_request(sticky), V2, kvs=store)["request"]["uri"] == "/latest/x"


def _jwt(secret: str, payload: dict[str, int]) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(payload).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


KVS_JWT_VERIFY = """
import crypto from 'crypto';
import cf from 'cloudfront';

const response401 = {
    statusCode: 401,
    statusDescription: 'Unauthorized'
};
const kvsId = "KVS_ID";
const kvsKey = 'jwt.secret';
const loggingEnabled = false;

function jwt_decode(token, key, noVerify, algorithm) {
    if (!token) {
        throw new Error('No token supplied');
    }
    const segments = token.split('.');
    if (segments.length !== 3) {
        throw new Error('Not enough or too many segments');
    }
    const headerSeg = segments[0];
    const payloadSeg = segments[1];
    const signatureSeg = segments[2];
    const payload = JSON.parse(_base64urlDecode(payloadSeg));
    if (!noVerify) {
        const signingMethod = 'sha256';
        const signingType = 'hmac';
        const signingInput = [headerSeg, payloadSeg].join('.');
        if (!_verify(signingInput, key, signingMethod, signingType, signatureSeg)) {
            throw new Error('Signature verification failed');
        }
        if (payload.nbf && Date.now() < payload.nbf*1000) {
            throw new Error('Token not yet active');
        }
        if (payload.exp && Date.now() > payload.exp*1000) {
            throw new Error('Token expired');
        }
    }
    return payload;
}

function _constantTimeEquals(a, b) {
    if (a.length != b.length) {
        return false;
    }
    let xor = 0;
    for (let i = 0; i < a.length; i++) {
    xor |= (a.charCodeAt(i) ^ b.charCodeAt(i));
    }
    return 0 === xor;
}

function _verify(input, key, method, type, signature) {
    if(type === "hmac") {
        return _constantTimeEquals(signature, _sign(input, key, method));
    }
    else {
        throw new Error('Algorithm type not recognized');
    }
}

function _sign(input, key, method) {
    return crypto.createHmac(method, key).update(input).digest('base64url');
}

function _base64urlDecode(str) {
    return Buffer.from(str, 'base64url')
}

async function handler(event) {
    let request = event.request;
    const secret_key = await getSecret()
    if(!secret_key) {
        return response401;
    }
    if(!request.querystring.jwt) {
        log("Error: No JWT in the querystring");
        return response401;
    }
    const jwtToken = request.querystring.jwt.value;
    try{
        jwt_decode(jwtToken, secret_key);
    }
    catch(e) {
        log(e);
        return response401;
    }
    delete request.querystring.jwt;
    log("Valid JWT token");
    return request;
}

async function getSecret() {
    try {
        const kvsHandle = cf.kvs(kvsId);
        return await kvsHandle.get(kvsKey);
    } catch (err) {
        log(`Error reading value for key: ${kvsKey}, error: ${err}`);
        return null;
    }
}

function log(message) {
    if (loggingEnabled) {
        console.log(message);
    }
}
"""
SECRET = "LzdWGpAToQ1DqYuzHxE6YOqi7G3X2yvNBot9mCXfx5k"


def test_kvs_jwt_verify_passes_a_valid_token_and_strips_it() -> None:
    """kvs-jwt-verify/verify-jwt.js with test-objects/valid-jwt.json's shape; secret read from the store."""
    token = _jwt(SECRET, {"sub": 1, "exp": NOW_SECONDS + 3600})
    req = request("/private.html", querystring={"jwt": {"value": token}, "page": {"value": "2"}})
    out = run(KVS_JWT_VERIFY, viewer_request(req), V2, kvs={"jwt.secret": SECRET})
    assert out["request"]["querystring"] == {"page": {"value": "2"}}


def test_kvs_jwt_verify_answers_401_for_expired_missing_or_forged_tokens() -> None:
    """kvs-jwt-verify/test-objects: expired-jwt.json, missing-jwt.json, invalid-jwt.json, invalid-nbe-jwt.json."""
    cases = [_jwt(SECRET, {"exp": NOW_SECONDS - 1}), _jwt("another-secret", {"exp": NOW_SECONDS + 60}),
             _jwt(SECRET, {"nbf": NOW_SECONDS + 600}), None]
    for token in cases:
        query = {"jwt": {"value": token}} if token else {}
        out = run(KVS_JWT_VERIFY, viewer_request(request(querystring=query)), V2, kvs={"jwt.secret": SECRET})
        assert out["response"]["statusCode"] == 401 and out["response"]["statusDescription"] == "Unauthorized"


KVS_KEY_VALUE_PAIRS = """
import cf from 'cloudfront';
const kvsId = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";
const kvsHandle = cf.kvs(kvsId);

async function handler(event) {
    const request = event.request;
    const pathSegments = request.uri.split('/')
    const key = pathSegments[1]
    try {
        pathSegments[1] = await kvsHandle.get(key);
        const newUri = pathSegments.join('/');
        console.log(`${request.uri} -> ${newUri}`)
        request.uri = newUri;
    } catch (err) {
        console.log(`${request.uri} | ${err}`);
    }
    return request;
}
"""


def test_kvs_key_value_pairs_replaces_the_first_segment() -> None:
    """kvs-key-value-pairs/kvs-key-value-pairs.js; the guide's "Use key-value pairs" example."""
    out = run(KVS_KEY_VALUE_PAIRS, viewer_request(request("/docs/intro.html")), V2, kvs={"docs": "documentation"})
    assert out["request"]["uri"] == "/documentation/intro.html"
    assert out["_logs"] == ["/docs/intro.html -> /documentation/intro.html"]
    missing = run(KVS_KEY_VALUE_PAIRS, viewer_request(request("/blog/x")), V2, kvs={"docs": "documentation"})
    assert missing["request"]["uri"] == "/blog/x" and missing["_logs"][0].startswith("/blog/x | ")


NORMALIZE_QUERY = """
function handler(event) {
     var qs=[];
     for (var key in event.request.querystring) {
         if (event.request.querystring[key].multiValue) {
             event.request.querystring[key].multiValue.forEach((mv) => {qs.push(key + "=" + mv.value)});
         } else {
             qs.push(key + "=" + event.request.querystring[key].value);
         }
     };
     event.request.querystring = qs.sort().join('&');
     return event.request;
}
"""


def test_normalize_query_string_sorts_parameters_into_a_string() -> None:
    """normalize-query-string-parameters/normalize-query-string.js (assigns a string to querystring)."""
    query = {"b": {"value": "2"}, "a": {"value": "1", "multiValue": [{"value": "1"}, {"value": "0"}]}}
    out = run(NORMALIZE_QUERY, viewer_request(request(querystring=query)), V1)
    assert out["request"]["querystring"] == {"a": {"value": "0", "multiValue": [{"value": "0"}, {"value": "1"}]},
                                             "b": {"value": "2"}}
    result = through_the_edge(NORMALIZE_QUERY, V1, edge_request(query="b=2&a=1&a=0"), [Origin(id="app", domain_name="app.example.com")])
    assert result.request is not None and result.request.querystring == "a=0&a=1&b=2"


PRESERVE_QUERY = """
function handler(event) {
    const request = event.request;
    const uri = request.uri;
    const customRedirectLogic = true;
    var queryStringAsString = '';
    const qs = []
    for (const key in request.querystring) {
      if (request.querystring[key].multiValue) {
        request.querystring[key].multiValue.forEach((mv) => { qs.push(key + '=' + mv.value) })
      } else {
        qs.push(key + '=' + request.querystring[key].value)
      }
    }
    if (qs.length !== 0) {
      queryStringAsString = '?' + qs.join('&')
    }
    if (customRedirectLogic) {
        const response = {
            statusCode: 301,
            statusDescription: 'Moved Permanently',
            headers:
            {
                location: { value: `https://www.example.com${uri}${queryStringAsString}` },
            }
        }
        return response;
    }
    return request;
}
"""


def test_preserve_query_strings_on_redirect_keeps_every_value() -> None:
    """preserve-query-strings-on-redirect/index.js, test-objects/query-strings.json and no-query-strings.json."""
    query = {"q": {"value": "shoes"}, "tag": {"value": "a", "multiValue": [{"value": "a"}, {"value": "b"}]}}
    out = run(PRESERVE_QUERY, viewer_request(request("/search", querystring=query)), V2)
    assert out["response"]["headers"]["location"] == {"value": "https://www.example.com/search?q=shoes&tag=a&tag=b"}
    bare = run(PRESERVE_QUERY, viewer_request(request("/search")), V2)
    assert bare["response"]["headers"]["location"] == {"value": "https://www.example.com/search"}


REDIRECT_BY_COUNTRY = """
function handler(event) {
    var request = event.request;
    var headers = request.headers;
    var host = request.headers.host.value;
    var country = 'DE'
    var newurl = `https://${host}/de/index.html`
    if (headers['cloudfront-viewer-country']) {
        var countryCode = headers['cloudfront-viewer-country'].value;
        if (countryCode === country) {
            var response = {
                statusCode: 302,
                statusDescription: 'Found',
                headers:
                    { "location": { "value": newurl } }
                }
            return response;
        }
    }
    return request;
}
"""


def test_redirect_based_on_country_sends_germany_to_de() -> None:
    """redirect-based-on-country/index.js, test-objects/country-de.json and country-not-de.json."""
    german = request(headers=values(host="www.example.com", cloudfront_viewer_country="DE"))
    out = run(REDIRECT_BY_COUNTRY, viewer_request(german), V1)
    assert out["response"]["statusCode"] == 302
    assert out["response"]["headers"]["location"] == {"value": "https://www.example.com/de/index.html"}
    french = request(headers=values(host="www.example.com", cloudfront_viewer_country="FR"))
    assert "request" in run(REDIRECT_BY_COUNTRY, viewer_request(french), V1)


REDIRECT_MAINTAIN = """
function objectToQueryString(obj) {
    var str = [];
    for (var param in obj)
        if (obj[param].multiValue)
            str.push(param + "=" + obj[param].multiValue.map((item) => item.value).join(','));
        else if (obj[param].value == '')
            str.push(param);
        else
            str.push(param + "=" + obj[param].value);
    return str.join("&");
}

function handler(event) {
    var request = event.request;
    var headers = request.headers;
    var uri = request.uri;
    var loc = "";
    var newdomain = "newdomain.com";
    if (Object.keys(request.querystring).length)
        loc = `https://${newdomain}${uri}?${objectToQueryString(request.querystring)}`
    else
        loc = `https://${newdomain}${uri}`
    var response = {
        statusCode: 302,
        statusDescription: 'Found',
        headers: {
            'location': { value: `${loc}` }
        }
    };
    return response;
}
"""


def test_redirect_maintain_uri_querystring_moves_to_the_new_domain() -> None:
    """redirect_maintain_uri_querystring/index.js (bare parameters stay bare, repeats are joined by commas)."""
    query = {"flag": {"value": ""}, "id": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}}
    out = run(REDIRECT_MAINTAIN, viewer_request(request("/a/b", querystring=query)), V1)
    assert out["response"]["headers"]["location"] == {"value": "https://newdomain.com/a/b?flag&id=1,2"}


SELECT_ORIGIN_BY_COUNTRY = """
import cf from 'cloudfront';

function handler(event) {
    const request = event.request;
    const headers = request.headers;
    const country = headers['cloudfront-viewer-country'] &&
        headers['cloudfront-viewer-country'].value;
    const countryToRegion = {
        'DE': 'eu-central-1',
        'IE': 'eu-west-1',
        'GB': 'eu-west-2',
        'FR': 'eu-west-3',
        'JP': 'ap-northeast-1',
        'IN': 'ap-south-1'
    };
    const DEFAULT_REGION = 'us-east-1';
    const selectedRegion = (country && countryToRegion[country]) || DEFAULT_REGION;
    const domainName =
        `cloudfront-functions-demo-bucket-in-${selectedRegion}.s3.${selectedRegion}.amazonaws.com`;
    cf.updateRequestOrigin({
        "domainName": domainName,
        "originAccessControlConfig": {
            "enabled": true,
            "region": selectedRegion,
            "signingBehavior": "always",
            "signingProtocol": "sigv4",
            "originType": "s3"
        },
    });
    return request;
}
"""


def test_select_origin_based_on_country_points_at_the_regional_bucket() -> None:
    """select-origin-based-on-country/index.js; the guide's "Select origin closer to the viewer"."""
    japanese = request(headers=values(host="www.example.com", cloudfront_viewer_country="JP"))
    out = run(SELECT_ORIGIN_BY_COUNTRY, viewer_request(japanese), V2)
    (call,) = out["_edgesim"]["originCalls"]
    assert call["helper"] == "updateRequestOrigin"
    bucket = Origin(id="s3", domain_name="cloudfront-functions-demo-bucket-in-us-east-1.s3.us-east-1.amazonaws.com",
                    is_s3=True)
    moved = origin_after(out["_edgesim"]["originCalls"], bucket)
    assert moved is not None
    assert moved.domain_name == "cloudfront-functions-demo-bucket-in-ap-northeast-1.s3.ap-northeast-1.amazonaws.com"


VPC_ORIGIN_SELECTION = """
import cf from 'cloudfront';

const kvsHandle = cf.kvs();
const PUBLIC_ORIGIN_DOMAIN = 'your-public-origin.example.com';
const PRIVATE_ORIGIN_ID = 'your-private-origin-id';

async function handler(event) {
    const request = event.request;
    try {
        const config = await kvsHandle.get('routing_mode', { format: 'json' });
        if (config.mode === 'header') {
            const routeHeader = request.headers['x-route-origin'];
            if (routeHeader && routeHeader.value === 'public') {
                cf.updateRequestOrigin({
                    domainName: PUBLIC_ORIGIN_DOMAIN
                });
            } else if (routeHeader && routeHeader.value === 'private') {
                cf.selectRequestOriginById(PRIVATE_ORIGIN_ID);
            }
        } else if (config.mode === 'weighted') {
            const hash = simpleHash(event.viewer.ip);
            if (hash % 100 < config.weight_percentage) {
                cf.selectRequestOriginById(PRIVATE_ORIGIN_ID);
            } else {
                cf.updateRequestOrigin({
                    domainName: PUBLIC_ORIGIN_DOMAIN
                });
            }
        }
    } catch (error) {
        console.log('Routing error: ' + error);
    }
    return request;
}

function simpleHash(str) {
    let hash = 0;
    for (let i = 0; i < str.length; i++) {
        hash = ((hash << 5) - hash) + str.charCodeAt(i);
        hash = hash & hash;
    }
    return Math.abs(hash);
}
"""


def test_select_vpc_origin_for_migration_routes_by_header_and_by_weight() -> None:
    """select-vpc-origin-for-migration/VPCOriginSelectionByHeader.js with its README's two KVS modes."""
    public = Origin(id="public", domain_name="legacy.example.com")
    private = Origin(id="your-private-origin-id", domain_name="internal.example.com")
    by_header = {"routing_mode": json.dumps({"mode": "header"})}
    req = request(headers=values(host="www.example.com", x_route_origin="private"))
    out = run(VPC_ORIGIN_SELECTION, viewer_request(req), V2, kvs=by_header)
    assert origin_after(out["_edgesim"]["originCalls"], public, private) == private
    all_public = {"routing_mode": json.dumps({"mode": "weighted", "weight_percentage": 0})}
    out = run(VPC_ORIGIN_SELECTION, viewer_request(), V2, kvs=all_public)
    moved = origin_after(out["_edgesim"]["originCalls"], public, private)
    assert moved is not None and moved.domain_name == "your-public-origin.example.com"


SPA_REWRITE = """
function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (!uri.includes('.')) {
        request.uri = '/index.html';
    }
    return request;
}
"""


def test_url_rewrite_single_page_apps_serves_index_for_routes() -> None:
    """url-rewrite-single-page-apps/index.js; the guide's "Add index.html to request URLs"."""
    assert run(SPA_REWRITE, viewer_request(request("/account/settings")), V1)["request"]["uri"] == "/index.html"
    assert run(SPA_REWRITE, viewer_request(request("/assets/app.js")), V1)["request"]["uri"] == "/assets/app.js"


STATIC_REWRITE = """
function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri.endsWith('/')) {
        request.uri += 'index.html';
    }
    else if (!uri.includes('.')) {
        request.uri += '/index.html';
    }
    return request;
}
"""


def test_url_rewrite_static_websites_appends_index_html() -> None:
    """url-rewrite-static-websites/index.js, test-objects no-file-name, file-name-no-extension, file-name-and-extension."""
    for uri, expected in [("/blog/", "/blog/index.html"), ("/blog", "/blog/index.html"), ("/blog/a.html", "/blog/a.html")]:
        assert run(STATIC_REWRITE, viewer_request(request(uri)), V1)["request"]["uri"] == expected


VERIFY_JWT = """
var crypto = require('crypto');
var response401 = {
    statusCode: 401,
    statusDescription: 'Unauthorized'
};

function jwt_decode(token, key, noVerify, algorithm) {
    if (!token) {
        throw new Error('No token supplied');
    }
    var segments = token.split('.');
    if (segments.length !== 3) {
        throw new Error('Not enough or too many segments');
    }
    var headerSeg = segments[0];
    var payloadSeg = segments[1];
    var signatureSeg = segments[2];
    var header = JSON.parse(_base64urlDecode(headerSeg));
    var payload = JSON.parse(_base64urlDecode(payloadSeg));
    if (!noVerify) {
        var signingMethod = 'sha256';
        var signingType = 'hmac';
        var signingInput = [headerSeg, payloadSeg].join('.');
        if (!_verify(signingInput, key, signingMethod, signingType, signatureSeg)) {
            throw new Error('Signature verification failed');
        }
        if (payload.nbf && Date.now() < payload.nbf*1000) {
            throw new Error('Token not yet active');
        }
        if (payload.exp && Date.now() > payload.exp*1000) {
            throw new Error('Token expired');
        }
    }
    return payload;
}

function _constantTimeEquals(a, b) {
    if (a.length != b.length) {
        return false;
    }
    var xor = 0;
    for (var i = 0; i < a.length; i++) {
    xor |= (a.charCodeAt(i) ^ b.charCodeAt(i));
    }
    return 0 === xor;
}

function _verify(input, key, method, type, signature) {
    if(type === "hmac") {
        return _constantTimeEquals(signature, _sign(input, key, method));
    }
    else {
        throw new Error('Algorithm type not recognized');
    }
}

function _sign(input, key, method) {
    return crypto.createHmac(method, key).update(input).digest('base64url');
}

function _base64urlDecode(str) {
    return Buffer.from(str, 'base64url')
}

function handler(event) {
    var request = event.request;
    var key = "LzdWGpAToQ1DqYuzHxE6YOqi7G3X2yvNBot9mCXfx5k";
    if(!request.querystring.jwt) {
        console.log("Error: No JWT in the querystring");
        return response401;
    }
    var jwtToken = request.querystring.jwt.value;
    try{
        jwt_decode(jwtToken, key);
    }
    catch(e) {
        console.log(e);
        return response401;
    }
    delete request.querystring.jwt;
    console.log("Valid JWT token");
    return request;
}
"""


def test_verify_jwt_checks_the_hmac_and_the_clock() -> None:
    """verify-jwt/index.js (runtime 2.0 for Buffer) with test-objects valid-jwt.json and expired-jwt.json."""
    valid = request(querystring={"jwt": {"value": _jwt(SECRET, {"exp": NOW_SECONDS + 60})}})
    out = run(VERIFY_JWT, viewer_request(valid), V2)
    assert out["request"]["querystring"] == {} and out["_logs"] == ["Valid JWT token"]
    expired = request(querystring={"jwt": {"value": _jwt(SECRET, {"exp": NOW_SECONDS - 60})}})
    out = run(VERIFY_JWT, viewer_request(expired), V2)
    assert out["response"]["statusCode"] == 401 and out["_logs"] == ["Error: Token expired"]


# typescript-cloudfront-functions compiles src/QueryParamValidator.ts with target es5 and
# webpack's `library: {name: 'handler', type: 'var', export: 'default'}`: the deployed code
# is a `var handler` assigned by a bundle's IIFE, not a function declaration. Written here in
# that shape (the bundle's module plumbing left out), with the logic of the .ts sources.
QUERY_PARAM_VALIDATOR = """
var handler;
(function () {
    "use strict";
    var MISSING_REQUIRED_PARAM_MSG = 'Required parameter is missing';
    var INVALID_PARAM_MSG = 'Invalid parameter';
    var error = function (statusCode, statusDescription) {
        return { statusCode: statusCode, statusDescription: statusDescription };
    };
    function isAnyParamUppercase() {
        var vals = [];
        for (var i = 0; i < arguments.length; i++) vals[i] = arguments[i];
        return vals.some(function (val) { return val === val.toUpperCase(); });
    }
    function validate(event) {
        var _a, _b;
        var request = event.request;
        var param1 = (_a = request.querystring.param1) === null || _a === void 0 ? void 0 : _a.value;
        var param2 = (_b = request.querystring.param2) === null || _b === void 0 ? void 0 : _b.value;
        if (param1 === undefined || param2 === undefined)
            return error(400, MISSING_REQUIRED_PARAM_MSG);
        else if (isAnyParamUppercase(param1, param2))
            return error(400, INVALID_PARAM_MSG);
        return event.request;
    }
    handler = validate;
})();
"""


def test_typescript_query_param_validator_as_compiled_for_cloudfront() -> None:
    """typescript-cloudfront-functions/src/QueryParamValidator.ts (+ utils), as webpack emits it
    (tsconfig.json target es5, webpack.config.js library type 'var'); tst/QueryParamValidator.test.ts's cases."""
    def answer(query: dict[str, str]) -> dict:
        return run(QUERY_PARAM_VALIDATOR, viewer_request(request(querystring={k: {"value": v} for k, v in query.items()})), V1)
    assert answer({"param1": "a"})["response"] == {"statusCode": 400, "statusDescription": "Required parameter is missing",
                                                    "headers": {}, "cookies": {}}
    assert answer({"param1": "A", "param2": "b"})["response"]["statusDescription"] == "Invalid parameter"
    assert answer({"param1": "a", "param2": "b"})["request"]["querystring"]["param2"] == {"value": "b"}


def test_verify_jwt_on_the_samples_own_test_object_prints_the_readmes_function_output() -> None:
    """verify-jwt/test-objects/valid-jwt.json (its token, signed with the sample's key, expires
    2024-05-20) and the TestResult the verify-jwt README shows: the token gone, the misspelled
    `multivalue` dropped, `cookies` added."""
    token = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5"
             "MDIyLCJuYmYiOjE1MTYyMzkwMjIsImV4cCI6MTcxNjIzOTAyMn0.jyu6HjS95wU8iSofQ8nBlmPjFYODxn4PQAdFM-Cv8JY")
    event = {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "0.0.0.0"},
             "request": {"method": "GET", "uri": "/index.html",
                         "querystring": {"jwt": {"value": token}, "test": {"value": "anotherQueryString"}},
                         "headers": {"host": {"value": "www.example.com"},
                                     "accept": {"value": "text/html", "multivalue": [{"value": "text/html"},
                                                                                     {"value": "application/xhtml+xml"}]}}}}
    out = run(VERIFY_JWT, event, V2, now="2024-01-01T00:00:00Z")
    assert out["_logs"] == ["Valid JWT token"]
    assert out["request"] == {"headers": {"host": {"value": "www.example.com"}, "accept": {"value": "text/html"}},
                              "method": "GET", "querystring": {"test": {"value": "anotherQueryString"}},
                              "uri": "/index.html", "cookies": {}}
    assert run(VERIFY_JWT, event, V2, now="2024-06-01T00:00:00Z")["response"]["statusCode"] == 401
