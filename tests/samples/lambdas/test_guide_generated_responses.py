"""The developer guide's "Generating responses" examples, in both languages.

Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-examples.html
(#lambda-examples-static-web-server, #lambda-examples-body-encoding-base64, #lambda-examples-http-redirect).
Generated responses are allowed at viewer-request and origin-request
(lambda-generating-http-responses-in-requests.html).
"""

from __future__ import annotations

import base64
import gzip

import pytest

from edgesim.testing import invoke_lambda
from tests.samples.lambdas.events import in_both_languages, request_event, requires_node, sample

REQUEST_EVENTS = ["viewer-request", "origin-request"]


@pytest.mark.parametrize("code", in_both_languages("static-content"))
@pytest.mark.parametrize("event_type", REQUEST_EVENTS)
def test_static_content_is_a_generated_200_with_its_html_as_text(code, event_type):
    """Serving static content: status '200', Cache-Control and Content-Type, the HTML body as text."""
    out = invoke_lambda(code, request_event(event_type), event_type=event_type)
    response = out["response"]
    assert (response["status"], response["statusDescription"]) == ("200", "OK")
    assert response["headers"]["cache-control"] == [{"key": "Cache-Control", "value": "max-age=100"}]
    assert response["bodyEncoding"] == "text" and "<p>Hello from Lambda@Edge!</p>" in response["body"]
    assert out["forwardedBody"]["encoding"] == "text" and out["forwardedBody"]["data"] == response["body"]


@pytest.mark.parametrize("code", in_both_languages("gzip-content"))
def test_gzip_content_is_decoded_from_base64_before_it_is_sent(code):
    """Serving gzip compressed content: bodyEncoding 'base64' means CloudFront sends the decoded bytes."""
    out = invoke_lambda(code, request_event("viewer-request"))
    response = out["response"]
    assert response["bodyEncoding"] == "base64"
    assert response["headers"]["content-encoding"] == [{"key": "Content-Encoding", "value": "gzip"}]
    sent = base64.b64decode(out["forwardedBody"]["data"])
    assert out["forwardedBody"]["encoding"] == "base64" and sent == base64.b64decode(response["body"])
    assert b"Hello from Lambda@Edge!" in gzip.decompress(sent)


@pytest.mark.parametrize("code", in_both_languages("redirect"))
@pytest.mark.parametrize("event_type", REQUEST_EVENTS)
def test_http_redirect_is_a_302_with_its_location(code, event_type):
    """Generating an HTTP redirect: status '302' Found with a Location header and no body."""
    out = invoke_lambda(code, request_event(event_type), event_type=event_type)
    assert out["response"] == {
        "headers": {"location": [{"key": "Location", "value": "http://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html"}]},
        "status": "302", "statusDescription": "Found",
    }


@requires_node
def test_http_redirect_as_an_es_module_with_a_numeric_status():
    """The guide notes that Node.js 18+ functions start as index.mjs: the redirect as an ES module, status 302 a number."""
    out = invoke_lambda(sample("redirect-esm"), request_event("viewer-request"))
    assert out["response"]["status"] == "302"
    assert out["response"]["headers"]["location"][0]["value"] == "http://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html"
