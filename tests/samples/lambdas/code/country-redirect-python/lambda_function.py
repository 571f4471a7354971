# Developer guide, "Example: Redirecting viewer requests to a country-specific URL", Python tab, in our words.
BY_COUNTRY = {"TW": "https://tw.example.com/", "US": "https://us.example.com/"}


def lambda_handler(event, context):
    country = event["Records"][0]["cf"]["request"]["headers"].get("cloudfront-viewer-country")
    url = BY_COUNTRY.get(country[0]["value"], "https://example.com/") if country else "https://example.com/"
    return {
        "status": "302",
        "statusDescription": "Found",
        "headers": {"location": [{"key": "Location", "value": url}]},
    }
