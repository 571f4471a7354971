# Developer guide, "Example: Serving different versions of an object based on the device", Python tab, in our words.
PREFIXES = (
    ("cloudfront-is-desktop-viewer", "/desktop"),
    ("cloudfront-is-mobile-viewer", "/mobile"),
    ("cloudfront-is-tablet-viewer", "/tablet"),
    ("cloudfront-is-smarttv-viewer", "/smarttv"),
)


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    for name, prefix in PREFIXES:
        if name in headers and headers[name][0]["value"] == "true":
            request["uri"] = prefix + request["uri"]
            break
    print("Request uri set to %s" % request["uri"])
    return request
