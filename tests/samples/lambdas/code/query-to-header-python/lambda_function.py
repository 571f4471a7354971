# Developer guide, "Example: Adding a header based on a query string parameter", Python tab, in our words.
from urllib.parse import parse_qs, urlencode


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    params = {name: values[0] for name, values in parse_qs(request["querystring"]).items()}
    name = "Auth-Header"
    request["headers"][name.lower()] = [{"key": name, "value": params.pop("auth")}]
    request["querystring"] = urlencode(params)
    return request
