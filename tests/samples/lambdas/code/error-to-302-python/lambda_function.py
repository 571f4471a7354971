# Developer guide, "Example: ... update the error status code to 302-Found", Python tab, in our words.

def lambda_handler(event, context):
    cf = event["Records"][0]["cf"]
    response, request = cf["response"], cf["request"]
    if 400 <= int(response["status"]) <= 599:
        response["status"] = 302
        response["statusDescription"] = "Found"
        response["body"] = ""
        response["headers"]["location"] = [{"key": "Location", "value": "/plan-b/path?%s" % request["querystring"]}]
    return response
