# Developer guide, "Example: Using a request trigger to modify an HTML form", Python tab, in our words.
import base64
from urllib.parse import parse_qs, urlencode


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["method"] == "POST":
        form = {name: values[0] for name, values in parse_qs(base64.b64decode(request["body"]["data"])).items()}
        form["new-param-name"] = "new-param-value"
        request["body"]["action"] = "replace"
        request["body"]["encoding"] = "text"
        request["body"]["data"] = urlencode(form)
    return request
