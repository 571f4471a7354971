# Developer guide, "Example: ... change the origin domain name based on the country header", Python tab, in our words.

def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    country = request["headers"].get("cloudfront-viewer-country")
    if country and country[0]["value"] in ("GB", "DE", "IE"):
        domain = "eu.example.com"
        request["origin"]["custom"]["domainName"] = domain
        request["headers"]["host"] = [{"key": "host", "value": domain}]
    return request
