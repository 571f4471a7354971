"""The CloudFront Functions of awslabs/aws-cloudfront-extensions (function/js/*.yaml,
edge/cdk/extensions/true-client-ip), each deployed there on cloudfront-js-1.0."""

from __future__ import annotations

from .cloudfront import V1, request, run, values, viewer_request, viewer_response

CORS = """
function handler(event) {
    var response = event.response;
    var headers = response.headers;
    headers['access-control-allow-origin'] = {value: '*'};
    headers['access-control-allow-headers'] = {value: 'Content-Type'};
    headers['access-control-allow-methods'] = {value: 'OPTIONS,POST,GET'};
    return response;
}
"""


def test_cross_origin_resource_sharing_opens_the_response_to_every_origin() -> None:
    """function/js/cross-origin-resource-sharing/cross-origin-resource-sharing.yaml (viewer response)."""
    headers = run(CORS, viewer_response({"headers": values(content_type="application/json")}), V1)["response"]["headers"]
    assert headers["access-control-allow-origin"] == {"value": "*"}
    assert headers["access-control-allow-methods"] == {"value": "OPTIONS,POST,GET"}


CUSTOM_HOST = r"""
'use strict';

var querystring = require('querystring');
var Response403 = {
    status: 403,
    statusDescription: 'Access Denied'
};
var json = '{"h(.*).example.com": "file.real.origin.com", "bg(.*).example.com": "file.real.origin.com", "fg(.*).example.com": "file.real.origin.com"}'

function handler (event)  {
    var request = event.request;
    var uri = request.uri;
    var params = request.querystring;
    console.log('request before:' + JSON.stringify(request));
    if (uri.includes('/download/AppStore/')) {
        uri = removeSlash(uri);
        if (!!uri.match(/^\/download\/AppStore\/(\w+)\/([a-fA-F0-9]{32})$/)) {
            var index = uri.lastIndexOf("\/");
            uri = uri.substring(0, index);
        }
        request.uri = uri;
    }
    for (var prop in params) {
        if (!!prop.match(/^_track_(.*)$/)) {
            request.querystring = {};
            break;
        }
    }
    if (request.headers['awsprewarmhost']) {
        request.headers['awscustomhost'] = {value: request.headers["awsprewarmhost"].value};
        delete request.headers["awsprewarmhost"]
    } else {
        var host = request.headers["host"].value;
        request.headers['awscustomhost'] = {value: host};
        var customizeHosts = JSON.parse(json);
        if (customizeHosts) {
            for (var domain in customizeHosts) {
                if (host.match(domain)) {
                    console.log(`update customize host: key ${domain}, value ${customizeHosts[domain]}`)
                    request.headers['awscustomhost'] = {value: customizeHosts[domain]};
                    break
                }
            }
        }
    }
    console.log('request after:' + JSON.stringify(request));
    return request;
};

function removeSlash(uri) {
    var temp = uri.charAt(uri.length - 1);
    while (temp == '/') {
        uri = uri.substring(0, uri.length - 1);
        var temp = uri.charAt(uri.length - 1);
    }
    return uri;
}
"""


def test_custom_host_maps_the_viewer_host_and_trims_app_store_paths() -> None:
    """function/js/custom-host/custom-host.yaml: host patterns, the 32-hex App Store suffix, _track_ parameters."""
    req = request("/download/AppStore/game/0123456789abcdef0123456789abcdef//",
                  querystring={"_track_source": {"value": "ad"}, "v": {"value": "2"}},
                  headers=values(host="h7.example.com"))
    out = run(CUSTOM_HOST, viewer_request(req), V1)["request"]
    assert out["uri"] == "/download/AppStore/game"
    assert out["querystring"] == {}
    assert out["headers"]["awscustomhost"] == {"value": "file.real.origin.com"}


def test_custom_host_prefers_a_prewarm_host_header_and_removes_it() -> None:
    """function/js/custom-host/custom-host.yaml: the awsprewarmhost branch."""
    req = request("/a.png", headers=values(host="www.example.com", awsprewarmhost="warm.example.net"))
    out = run(CUSTOM_HOST, viewer_request(req), V1)["request"]
    assert out["headers"]["awscustomhost"] == {"value": "warm.example.net"}
    assert "awsprewarmhost" not in out["headers"]


DEFAULT_DIR_INDEX = """
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


def test_default_dir_index_appends_index_html() -> None:
    """function/js/default-dir-index/default-dir-index.yaml."""
    assert run(DEFAULT_DIR_INDEX, viewer_request(request("/docs/")), V1)["request"]["uri"] == "/docs/index.html"
    assert run(DEFAULT_DIR_INDEX, viewer_request(request("/docs")), V1)["request"]["uri"] == "/docs/index.html"


RELATIVE_REDIRECT = """
function handler(event) {
    var redirects = {
        'DE': '/de/',
        'PL': '/pl/'
    };
    var headers = event.request.headers;
    var newPath = '/en/';
    var country = headers['cloudfront-viewer-country'].value;
    if (country in redirects) {
        newPath = redirects[country];
    }
    return {
        statusCode: 307,
        statusDescription: 'Temporary Redirect',
        headers: {"location": {"value": newPath}}
    };
}
"""


def test_relative_redirect_based_on_country_answers_307_with_a_path() -> None:
    """function/js/redirect-based-on-country/relative-redirect-based-on-country.yaml."""
    polish = request(headers=values(host="www.example.com", cloudfront_viewer_country="PL"))
    out = run(RELATIVE_REDIRECT, viewer_request(polish), V1)["response"]
    assert out["statusCode"] == 307 and out["headers"]["location"] == {"value": "/pl/"}
    other = request(headers=values(host="www.example.com", cloudfront_viewer_country="US"))
    assert run(RELATIVE_REDIRECT, viewer_request(other), V1)["response"]["headers"]["location"] == {"value": "/en/"}


TRUE_CLIENT_IP = """
function handler(event) {
  var request = event.request;
  var clientIP = event.viewer.ip;
  request.headers["true-client-ip"] = { value: clientIP };
  return request;
}
"""


def test_true_client_ip_extension_adds_the_viewer_address() -> None:
    """edge/cdk/extensions/true-client-ip/true-client-ip-function.js (an IPv6 viewer)."""
    out = run(TRUE_CLIENT_IP, viewer_request(ip="2001:db8::7"), V1)
    assert out["request"]["headers"]["true-client-ip"] == {"value": "2001:db8::7"}
