"""The developer guide's "Working with query strings" examples, in both languages.

Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-examples.html
(#lambda-examples-header-based-on-query-string, #lambda-examples-normalize-query-string-parameters,
#lambda-examples-redirect-to-signin-page).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from edgesim.testing import invoke_lambda
from tests.samples.lambdas.events import in_both_languages, request_event


@pytest.mark.parametrize("code", in_both_languages("query-to-header"))
def test_query_parameter_moves_into_a_request_header(code):
    """Adding a header based on a query string parameter: `auth` leaves the query and becomes Auth-Header."""
    out = invoke_lambda(code, request_event("viewer-request", uri="/api", querystring="auth=s3cret&size=large"))
    assert out["request"]["headers"]["auth-header"] == [{"key": "Auth-Header", "value": "s3cret"}]
    assert out["request"]["querystring"] == "size=large"


@pytest.mark.parametrize("code", in_both_languages("normalize-query"))
def test_query_string_is_lower_cased_and_sorted(code):
    """Normalizing query string parameters: lower-case names and values, in alphabetical order."""
    out = invoke_lambda(code, request_event("viewer-request", querystring="Size=LARGE&Color=Red&alpha=1"))
    assert out["request"]["querystring"] == "alpha=1&color=red&size=large"


@pytest.mark.parametrize("code", in_both_languages("signin-redirect"))
def test_viewer_without_a_session_is_sent_to_sign_in_with_the_url_it_asked_for(code):
    """Redirecting unauthenticated users: a 302 to the sign-in page carrying the original URL, encoded.

    The Python tab imports only `urllib` and calls urllib.parse.quote_plus (issue #13 point 3).
    """
    out = invoke_lambda(code, request_event("viewer-request", uri="/private/report.html", querystring="year=2023"))
    assert out["response"]["status"] == "302"
    location = out["response"]["headers"]["location"][0]["value"]
    assert location.startswith("https://www.example.com/signin?redirect_url=")
    back = parse_qs(urlsplit(location).query)["redirect_url"][0]
    assert back == "https://d111111abcdef8.cloudfront.net/private/report.html?year=2023"


@pytest.mark.parametrize("code", in_both_languages("signin-redirect"))
def test_viewer_with_a_session_cookie_goes_on(code):
    """Redirecting unauthenticated users: a session-id cookie lets the request through unchanged."""
    out = invoke_lambda(code, request_event("viewer-request", uri="/private/report.html", headers={"Cookie": "session-id=abc123; theme=dark"}))
    assert "response" not in out and out["request"]["uri"] == "/private/report.html"
