# Developer guide, "Example: ... update the error status code to 200-OK", Python tab, in
# our words: the status comes in as a string and goes back as an int.

def lambda_handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    if 400 <= int(response["status"]) <= 599:
        response["status"] = 200
        response["statusDescription"] = "OK"
        response["body"] = "Body generation example"
    return response
