"""The developer guide's "Content-based dynamic origin selection" examples (origin-request).

Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-examples.html
(#lambda-examples-content-based-S3-origin-based-on-query, -S3-origin-request-trigger,
-custom-origin-request-trigger, -gradual-traffic-transfer, -geo-header). The origin the function
returns is what `edgesim invoke` prints under request.origin, as a later hook would see it.
"""

from __future__ import annotations

import pytest

from edgesim.testing import invoke_lambda
from tests.samples.lambdas.events import S3_ORIGIN, in_both_languages, request_event


def origin_request(code, **request):
    out = invoke_lambda(code, request_event("origin-request", **request), event_type="origin-request")
    assert "error" not in out, out.get("error")
    return out["request"]


@pytest.mark.parametrize("code", in_both_languages("custom-to-s3"))
def test_query_switches_a_custom_origin_to_s3_keeping_the_empty_region_it_set(code):
    """Changing from a custom origin to an S3 origin: the S3 origin as set, region '' included."""
    request = origin_request(code, querystring="useS3Origin=true")
    assert request["origin"] == {"s3": {"authMethod": "none", "customHeaders": {}, "domainName": "my-bucket.s3.amazonaws.com",
                                        "path": "", "region": ""}}
    assert request["headers"]["host"] == [{"key": "host", "value": "my-bucket.s3.amazonaws.com"}]
    unchanged = origin_request(code, querystring="useS3Origin=false")
    assert unchanged["origin"]["custom"]["domainName"] == "example.org"


@pytest.mark.parametrize("code", in_both_languages("s3-region"))
@pytest.mark.parametrize(("country", "region"), [("DE", "eu-central-1"), ("JP", "ap-northeast-1"), ("IN", "ap-south-1")])
def test_viewer_country_picks_the_bucket_and_the_region_it_names(code, country, region):
    """Changing the Amazon S3 origin Region: the region the function set is kept (not guessed from the domain)."""
    request = origin_request(code, origin=S3_ORIGIN, headers={"CloudFront-Viewer-Country": country})
    assert request["origin"]["s3"]["region"] == region
    assert request["origin"]["s3"]["domainName"] == f"my-bucket-in-{region}.s3.amazonaws.com"
    assert request["headers"]["host"][0]["value"] == f"my-bucket-in-{region}.s3.amazonaws.com"


@pytest.mark.parametrize("code", in_both_languages("s3-region"))
def test_viewer_from_elsewhere_stays_on_the_default_bucket(code):
    """Changing the Amazon S3 origin Region: a country not in the list keeps the configured bucket."""
    request = origin_request(code, origin=S3_ORIGIN, headers={"CloudFront-Viewer-Country": "BR"})
    assert request["origin"] == S3_ORIGIN


@pytest.mark.parametrize("code", in_both_languages("s3-to-custom"))
def test_query_switches_an_s3_origin_to_a_custom_one(code):
    """Changing from an S3 origin to a custom origin: every custom field as the function set it."""
    request = origin_request(code, origin=S3_ORIGIN, querystring="useCustomOrigin=true")
    assert request["origin"] == {"custom": {
        "customHeaders": {}, "domainName": "www.example.com", "keepaliveTimeout": 5, "path": "", "port": 443,
        "protocol": "https", "readTimeout": 5, "sslProtocols": ["TLSv1", "TLSv1.1"]}}
    assert request["headers"]["host"] == [{"key": "host", "value": "www.example.com"}]


@pytest.mark.parametrize("code", in_both_languages("gradual-transfer"))
def test_traffic_goes_to_the_blue_bucket_or_stays_on_the_configured_one(code):
    """Gradually transferring traffic between S3 buckets: 80 % to blue-bucket, the rest to the configured one.

    Each call is a fresh, unseeded worker, so only the two possible answers are asserted.
    """
    domains = {origin_request(code, origin=S3_ORIGIN)["origin"]["s3"]["domainName"] for _ in range(3)}
    assert domains <= {"blue-bucket.s3.amazonaws.com", "my-bucket.s3.amazonaws.com"}


@pytest.mark.parametrize("code", in_both_languages("country-origin"))
@pytest.mark.parametrize(("country", "domain"), [("GB", "eu.example.com"), ("DE", "eu.example.com"), ("US", "example.org")])
def test_viewer_country_picks_the_custom_origins_domain(code, country, domain):
    """Changing the origin domain name based on the country header: European viewers go to eu.example.com."""
    request = origin_request(code, headers={"CloudFront-Viewer-Country": country})
    assert request["origin"]["custom"]["domainName"] == domain
    assert request["headers"]["host"][0]["value"] == (domain if domain != "example.org" else "d111111abcdef8.cloudfront.net")
