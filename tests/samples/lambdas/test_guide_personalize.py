"""The developer guide's "Personalize content by country or device type headers" examples.

Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-examples.html
(#lambda-examples-redirect-based-on-country, #lambda-examples-vary-on-device-type). Both run at
origin-request: CloudFront adds CloudFront-Viewer-Country and CloudFront-Is-*-Viewer after
viewer-request, when a policy asks for them.
"""

from __future__ import annotations

import pytest

from edgesim.testing import invoke_lambda
from tests.samples.lambdas.events import in_both_languages, request_event


@pytest.mark.parametrize("code", in_both_languages("country-redirect"))
@pytest.mark.parametrize(("country", "url"), [("TW", "https://tw.example.com/"), ("US", "https://us.example.com/"),
                                              ("FR", "https://example.com/"), (None, "https://example.com/")])
def test_viewer_is_redirected_to_its_countrys_site(code, country, url):
    """Redirecting viewer requests to a country-specific URL: a generated 302 at origin-request."""
    headers = {"CloudFront-Viewer-Country": country} if country else {}
    out = invoke_lambda(code, request_event("origin-request", headers=headers), event_type="origin-request")
    assert out["response"]["status"] == "302"
    assert out["response"]["headers"]["location"] == [{"key": "Location", "value": url}]


@pytest.mark.parametrize("code", in_both_languages("device-path"))
@pytest.mark.parametrize(("device", "uri"), [("Desktop", "/desktop/pic.jpg"), ("Mobile", "/mobile/pic.jpg"),
                                             ("Tablet", "/tablet/pic.jpg"), ("SmartTV", "/smarttv/pic.jpg")])
def test_object_is_chosen_by_the_viewers_device(code, device, uri):
    """Serving different versions of an object based on the device: the URI gets the device's prefix."""
    flags = {f"CloudFront-Is-{d}-Viewer": str(d == device).lower() for d in ("Desktop", "Mobile", "Tablet", "SmartTV")}
    out = invoke_lambda(code, request_event("origin-request", uri="/pic.jpg", headers=flags), event_type="origin-request")
    assert out["request"]["uri"] == uri
    assert any("Request uri set to" in line and uri in line for line in out["logs"])
