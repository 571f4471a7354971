# Developer guide, "Example: Using a request trigger to read an HTML form", Python tab, in
# our words (it parses the decoded bytes, so names and values are bytes, as in the guide).
import base64
from urllib.parse import parse_qs


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["method"] == "POST":
        form = {name: values[0] for name, values in parse_qs(base64.b64decode(request["body"]["data"])).items()}
        for name, value in form.items():
            print("For %s use submitted %s" % (name, value))
    return request
