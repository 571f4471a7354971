"""Lambda@Edge functions from AWS's sample repositories, run as they would be deployed.

Sources (GitHub): awslabs/aws-cloudfront-extensions (edge/nodejs/*, edge/python/*) and
aws-samples/aws-lambda-edge-workshops (Workshop1/Lab*), placeholders filled in. What is asserted
is what the developer guide documents for each result (lambda-event-structure.html,
lambda-generating-http-responses-in-requests.html, lambda-updating-http-responses.html).
"""

from __future__ import annotations

import pytest

from edgesim.testing import invoke_lambda
from tests.samples.lambdas.events import S3_ORIGIN, request_event, requires_node, response_event, sample

SECURITY_HEADERS = {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "content-security-policy": "default-src 'self'",
    "x-xss-protection": "1; mode=block",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


@requires_node
@pytest.mark.parametrize("event_type", ["origin-response", "viewer-response"])
def test_security_headers_are_added_with_keys_filled_in(event_type):
    """aws-cloudfront-extensions add-security-headers / workshop Lab1_Security: entries without `key`
    get CloudFront's capitalised fill-in (Strict-Transport-Security, X-Xss-Protection ...)."""
    out = invoke_lambda(sample("ext-security-headers-node"), response_event(event_type, "200", "OK", {"Content-Type": "text/html"}),
                        event_type=event_type)
    headers = out["response"]["headers"]
    for name, value in SECURITY_HEADERS.items():
        key = "-".join(part.capitalize() for part in name.split("-"))
        assert headers[name] == [{"key": key, "value": value}]
    assert headers["content-type"] == [{"key": "Content-Type", "value": "text/html"}]


@requires_node
def test_cors_headers_are_added_to_the_response():
    """aws-cloudfront-extensions cross-origin-resource-sharing (callback style, origin-response)."""
    out = invoke_lambda(sample("ext-cors-node"), response_event("origin-response", "200", "OK"), event_type="origin-response")
    headers = out["response"]["headers"]
    assert headers["access-control-allow-origin"] == [{"key": "Access-Control-Allow-Origin", "value": "https://www.example.com"}]
    assert headers["access-control-allow-methods"][0]["value"] == "OPTIONS,POST,GET"


@requires_node
@pytest.mark.parametrize(("referer", "allowed"), [
    ("https://www.example.com/page", True), ("https://example.org/", True),
    ("https://evil.example.net/", False), (None, False),
])
def test_hotlinking_from_another_site_gets_a_403(referer, allowed):
    """aws-cloudfront-extensions anti-hotlinking (viewer-request): a generated 403 with only status,
    description and body, which is all a generated response needs."""
    headers = {"Referer": referer} if referer else {}
    out = invoke_lambda(sample("ext-anti-hotlinking-node"), request_event("viewer-request", uri="/img/cat.png", headers=headers))
    if allowed:
        assert out["request"]["uri"] == "/img/cat.png"
    else:
        assert out["response"] == {"headers": {}, "status": "403", "statusDescription": "Forbidden",
                                   "body": "Access Denied\n", "bodyEncoding": "text"}


def test_host_header_is_rewritten_in_place_at_origin_request():
    """aws-cloudfront-extensions modify-host-origin-request-header (Python): Host is writable at origin-request."""
    out = invoke_lambda(sample("ext-modify-host-python"), request_event("origin-request"), event_type="origin-request")
    assert out["request"]["headers"]["host"] == [{"key": "Host", "value": "origin.example.com"}]


def test_generated_response_with_an_extra_field_is_accepted():
    """aws-cloudfront-extensions simple-lambda-edge (Python): the response carries a 'message' field
    CloudFront's response object does not have; the sample is deployed that way, so it is ignored."""
    out = invoke_lambda(sample("ext-simple-python"), request_event("viewer-request"))
    assert out["response"]["status"] == "200" and out["response"]["body"] == "<p>Hello from Lambda@Edge!</p>"
    assert "message" not in out["response"]


@requires_node
def test_origin_response_may_turn_any_answer_into_a_500():
    """aws-cloudfront-extensions modify-response-status-code: origin-response may change the status."""
    out = invoke_lambda(sample("ext-status-code-node"), response_event("origin-response", "200", "OK"), event_type="origin-response")
    assert out["response"]["status"] == "500"


@requires_node
@pytest.mark.parametrize(("uri", "location"), [("/r/music", "/card/bcbd2481"), ("/r/cat", "/card/k9b430fc")])
def test_pretty_urls_are_redirected(uri, location):
    """aws-lambda-edge-workshops Lab4_PrettyUrls: a 302 whose Location entry has no key (filled in as Location)."""
    out = invoke_lambda(sample("ws-pretty-urls-node"), request_event("viewer-request", uri=uri))
    assert out["response"]["headers"]["location"] == [{"key": "Location", "value": location}]
    other = invoke_lambda(sample("ws-pretty-urls-node"), request_event("viewer-request", uri="/card/bcbd2481"))
    assert other["request"]["uri"] == "/card/bcbd2481"


@requires_node
def test_north_american_viewers_get_the_nearer_bucket_and_its_region():
    """aws-lambda-edge-workshops Lab6_DynamicOriginSelection: a new S3 origin with only authMethod,
    domainName and region; path and customHeaders default to empty, the region is the one it set."""
    event = request_event("origin-request", origin=S3_ORIGIN, headers={"CloudFront-Viewer-Country": "CA"})
    out = invoke_lambda(sample("ws-nearer-origin-node"), event, event_type="origin-request")
    assert out["request"]["origin"] == {"s3": {
        "authMethod": "none", "customHeaders": {}, "domainName": "ws-lambda-at-edge-us-c0ea3af0.s3.us-west-2.amazonaws.com",
        "path": "", "region": "us-west-2"}}
