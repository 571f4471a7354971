"""Guide samples behind a whole edge: real origin, cache, the pipeline's hook points.

Sources: the developer guide's "Updating error statuses" and "Redirecting unauthenticated
users to a sign-in page" examples
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-examples.html).
What is asserted is what the viewer gets: origin-response's output is what is cached and
sent (lambda-cloudfront-trigger-events.html), a viewer-request answer skips the origin.
"""

from __future__ import annotations

from typing import Any

import pytest

from edgesim.testing import assert_hooks_ran
from tests.samples.lambdas.events import in_both_languages


def distribution(code, event_type: str, runtime: str, **behavior: str) -> dict[str, Any]:
    return {
        "DistributionConfig": {
            "Origins": {"Items": [{"Id": "app", "DomainName": "app.example.internal",
                                   "CustomOriginConfig": {"HTTPPort": 80, "OriginProtocolPolicy": "http-only"}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "app", "ViewerProtocolPolicy": "allow-all",
                "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",  # Managed-CachingDisabled
                "LambdaFunctionAssociations": {"Items": [{
                    "LambdaFunctionARN": "arn:aws:lambda:us-east-1:111122223333:function:sample:1", "EventType": event_type}]},
                **behavior,
            },
        },
        "Lambdas": {"sample": {"Runtime": runtime, "Code": str(code)}},
        "Edgesim": {"BundledOrigins": {"app": {"Kind": "flaky"}}},
    }


def runtime_of(code) -> str:
    return "nodejs20.x" if code.name.endswith("-node") else "python3.12"


@pytest.mark.parametrize("code", in_both_languages("error-to-200"))
async def test_viewer_gets_200_and_the_generated_body_for_an_origin_404(edgesim_factory, code):
    """Updating the error status code to 200-OK, deployed at origin-response on a real origin's 404."""
    edge = await edgesim_factory(distribution(code, "origin-response", runtime_of(code)))
    answer = await edge.client.get("/status/404")
    assert (answer.status_code, answer.text) == (200, "Body generation example")
    assert_hooks_ran(edge.last_exchange, [("origin-response", "sample")])
    fine = await edge.client.get("/status/200")
    assert (fine.status_code, fine.text) == (200, "flaky origin answered 200\n")


@pytest.mark.parametrize("code", in_both_languages("error-to-302"))
async def test_viewer_is_redirected_to_plan_b_when_the_origin_fails(edgesim_factory, code):
    """Updating the error status code to 302-Found, at origin-response on a real origin's 503.

    Origin events see the query string only when a policy forwards it (spec 1.3), hence
    Managed-AllViewerExceptHostHeader; without it the Location ends in a bare '?'.
    """
    forwarding = {"OriginRequestPolicyId": "b689b0a8-53d0-40ab-baf2-68738e2966ac"}
    edge = await edgesim_factory(distribution(code, "origin-response", runtime_of(code), **forwarding))
    answer = await edge.client.get("/status/503?q=shoes")
    assert answer.status_code == 302
    assert answer.headers["location"] == "/plan-b/path?q=shoes"
    bare = await edgesim_factory(distribution(code, "origin-response", runtime_of(code)))
    assert (await bare.client.get("/status/503?q=shoes")).headers["location"] == "/plan-b/path?"


@pytest.mark.parametrize("code", in_both_languages("signin-redirect"))
async def test_sign_in_redirect_answers_before_the_origin(edgesim_factory, code):
    """Redirecting unauthenticated users to a sign-in page, at viewer-request: the origin is never asked."""
    edge = await edgesim_factory(distribution(code, "viewer-request", runtime_of(code)))
    answer = await edge.client.get("/status/200?x=1")
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("https://www.example.com/signin?redirect_url=https%3A%2F%2F")
    assert_hooks_ran(edge.last_exchange, [("viewer-request", "sample")])
    signed_in = await edge.client.get("/status/200", headers={"Cookie": "session-id=1"})
    assert signed_in.text == "flaky origin answered 200\n"
