"""The developer guide's "Accessing the request body" examples (IncludeBody), in both languages.

Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-examples.html
(#lambda-examples-access-request-body-examples-read, -replace); the body fields are in
lambda-event-structure.html#lambda-event-structure-request (read-only keeps the original body,
replace with encoding 'text' sends the data as it is).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from edgesim.testing import invoke_lambda
from tests.samples.lambdas.events import in_both_languages, request_event

FORM = b"name1=Ada&name2=Lovelace"


@pytest.mark.parametrize("code", in_both_languages("read-form"))
@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
def test_form_fields_are_logged_and_the_body_goes_on_unchanged(code, event_type):
    """Reading an HTML form: the fields are logged; the read-only body reaches the origin as sent."""
    event = request_event(event_type, method="POST", body=FORM, headers={"Content-Type": "application/x-www-form-urlencoded"})
    out = invoke_lambda(code, event, event_type=event_type, include_body=True)
    assert "error" not in out, out.get("error")
    logs = "\n".join(out["logs"])
    assert "name1" in logs and "Ada" in logs and "Lovelace" in logs
    assert out["request"]["body"]["action"] == "read-only"
    assert out["forwardedBody"] == {"encoding": "text", "data": FORM.decode(), "size": len(FORM)}


@pytest.mark.parametrize("code", in_both_languages("modify-form"))
@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
def test_form_gets_a_new_field_through_a_text_body_replacement(code, event_type):
    """Modifying an HTML form: action 'replace', encoding 'text'; the text shown as text and forwarded as is."""
    out = invoke_lambda(code, request_event(event_type, method="POST", body=FORM), event_type=event_type, include_body=True)
    assert "error" not in out, out.get("error")
    body = out["request"]["body"]
    assert (body["action"], body["encoding"]) == ("replace", "text")
    assert parse_qs(body["data"]) == {"name1": ["Ada"], "name2": ["Lovelace"], "new-param-name": ["new-param-value"]}
    assert out["forwardedBody"] == {"encoding": "text", "data": body["data"], "size": len(body["data"])}
