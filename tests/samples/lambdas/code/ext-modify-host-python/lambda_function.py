# awslabs/aws-cloudfront-extensions edge/python/modify-host-origin-request-header, in our
# words (ORIGIN_DOMAIN filled in): origin-request rewrites the Host header's value in place.
ORIGIN_DOMAIN = "origin.example.com"


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["host"][0]["value"] = ORIGIN_DOMAIN
    return request
