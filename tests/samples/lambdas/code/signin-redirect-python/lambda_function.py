# Developer guide, "Example: Redirecting unauthenticated users to a sign-in page", Python
# tab, in our words. Like the guide's, it imports only `urllib` and then uses urllib.parse,
# which Lambda's Python runtime has loaded already.
import urllib


def cookies_of(headers):
    cookies = {}
    if headers.get("cookie"):
        for pair in headers["cookie"][0]["value"].split(";"):
            if pair:
                name, value = pair.split("=")
                cookies[name.strip()] = value.strip()
    return cookies


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    cookies = cookies_of(headers)
    if cookies and cookies["session-id"]:
        return request
    back = "https://%s%s?%s" % (headers["host"][0]["value"], request["uri"], request["querystring"])
    location = "https://www.example.com/signin?redirect_url=%s" % urllib.parse.quote_plus(back.encode("utf-8"))
    return {
        "status": "302",
        "statusDescription": "Found",
        "headers": {"location": [{"key": "Location", "value": location}]},
    }
