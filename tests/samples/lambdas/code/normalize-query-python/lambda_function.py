# Developer guide, "Example: Normalizing query string parameters", Python tab, in our words.
from urllib.parse import parse_qs, urlencode


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    print("Query string: ", request["querystring"])
    params = {name: values[0] for name, values in parse_qs(request["querystring"].lower()).items()}
    request["querystring"] = urlencode(sorted(params.items()))
    return request
