# Developer guide, "Example: ... change the Amazon S3 origin Region", Python tab, in our words.
REGION_OF = {"DE": "eu-central-1", "IE": "eu-west-1", "GB": "eu-west-2", "FR": "eu-west-3", "JP": "ap-northeast-1", "IN": "ap-south-1"}


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    country = request["headers"].get("cloudfront-viewer-country")
    region = REGION_OF.get(country[0]["value"]) if country else None
    if region:
        request["origin"]["s3"]["region"] = region
        domain = "my-bucket-in-%s.s3.amazonaws.com" % region
        request["origin"]["s3"]["domainName"] = domain
        request["headers"]["host"] = [{"key": "host", "value": domain}]
    return request
