"""The developer guide's "Updating error statuses" examples (origin-response), in both languages.

Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-examples.html
(#lambda-examples-custom-error-static-body, #lambda-examples-custom-error-new-site). Both set
`status` to a number (200, 302), which CloudFront accepts (issue #13 point 2).
"""

from __future__ import annotations

import pytest

from edgesim.testing import invoke_lambda
from tests.samples.lambdas.events import in_both_languages, response_event


@pytest.mark.parametrize("code", in_both_languages("error-to-200"))
@pytest.mark.parametrize("status", ["404", "500", "503"])
def test_origin_error_becomes_200_with_a_generated_body(code, status):
    """Updating the error status code to 200-OK: a numeric 200, 'OK' and a text body."""
    out = invoke_lambda(code, response_event("origin-response", status, "Error"), event_type="origin-response")
    assert "error" not in out, out.get("error")
    response = out["response"]
    assert (response["status"], response["statusDescription"]) == ("200", "OK")
    assert (response["body"], response["bodyEncoding"]) == ("Body generation example", "text")


@pytest.mark.parametrize("code", in_both_languages("error-to-200"))
def test_origin_success_passes_through_untouched(code):
    """Updating the error status code to 200-OK: a 2xx is returned as it came."""
    out = invoke_lambda(code, response_event("origin-response", "200", "OK"), event_type="origin-response")
    assert out["response"] == {"headers": {}, "status": "200", "statusDescription": "OK"}


@pytest.mark.parametrize("code", in_both_languages("error-to-302"))
def test_origin_error_becomes_a_redirect_to_plan_b(code):
    """Updating the error status code to 302-Found: numeric 302, a Location keeping the query, an empty body."""
    event = response_event("origin-response", "404", "Not Found", querystring="q=shoes")
    out = invoke_lambda(code, event, event_type="origin-response")
    assert "error" not in out, out.get("error")
    response = out["response"]
    assert response["status"] == "302"
    assert response["headers"]["location"] == [{"key": "Location", "value": "/plan-b/path?q=shoes"}]
    assert (response["body"], out["forwardedBody"]["size"]) == ("", 0)
