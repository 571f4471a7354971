"""The developer guide's "General examples" for Lambda@Edge, in both languages.

Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-examples.html
(#lambda-examples-a-b-testing, #lambda-examples-overriding-response-header).
"""

from __future__ import annotations

import pytest

from edgesim.testing import invoke_lambda
from tests.samples.lambdas.events import in_both_languages, request_event, response_event

CONTROL, TREATMENT = "/experiment-group/control-pixel.jpg", "/experiment-group/treatment-pixel.jpg"


@pytest.mark.parametrize("code", in_both_languages("ab-testing"))
@pytest.mark.parametrize(("cookie", "uri"), [("X-Experiment-Name=A", CONTROL), ("theme=dark; X-Experiment-Name=B", TREATMENT)])
def test_ab_testing_follows_the_experiment_cookie(code, cookie, uri):
    """A/B testing (viewer-request): the cookie picks the variant; the URL the viewer asked for is rewritten."""
    out = invoke_lambda(code, request_event("viewer-request", uri="/experiment-pixel.jpg", headers={"Cookie": cookie}))
    assert out["request"]["uri"] == uri
    assert any(f"Experiment {cookie[-1]} cookie found" in line for line in out["logs"])


@pytest.mark.parametrize("code", in_both_languages("ab-testing"))
def test_ab_testing_throws_dice_without_a_cookie_and_leaves_other_paths_alone(code):
    """A/B testing: no cookie, a random variant (one of the two paths); another URI passes unchanged."""
    out = invoke_lambda(code, request_event("viewer-request", uri="/experiment-pixel.jpg"))
    assert out["request"]["uri"] in (CONTROL, TREATMENT)
    assert any("Throwing dice" in line for line in out["logs"])
    other = invoke_lambda(code, request_event("viewer-request", uri="/index.html"))
    assert other["request"]["uri"] == "/index.html"


@pytest.mark.parametrize("code", in_both_languages("override-header"))
@pytest.mark.parametrize("event_type", ["origin-response", "viewer-response"])
def test_overriding_a_response_header_copies_the_metadata_entry_under_last_modified(code, event_type):
    """Overriding a response header: the x-amz-meta-last-modified entry, key and all, becomes last-modified.

    CloudFront's handling of a key that names another header is unconfirmed (spec 1.5), so
    edgesim follows the guide: the map name wins, and a warning says so.
    """
    stamp = "Thu, 01 Jun 2023 10:00:00 GMT"
    event = response_event(event_type, "200", "OK", {"X-Amz-Meta-Last-Modified": stamp, "Last-Modified": "Fri, 02 Jun 2023 00:00:00 GMT"})
    out = invoke_lambda(code, event, event_type=event_type)
    assert "error" not in out, out.get("error")
    assert out["response"]["headers"]["last-modified"] == [{"key": "Last-Modified", "value": stamp}]
    assert out["response"]["headers"]["x-amz-meta-last-modified"] == [{"key": "X-Amz-Meta-Last-Modified", "value": stamp}]
    assert "unconfirmed" in out["warnings"][0]
