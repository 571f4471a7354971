# Developer guide, "Example: Overriding a response header", Python tab, in our words.

def lambda_handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    headers = response["headers"]
    source, target = "X-Amz-Meta-Last-Modified".lower(), "Last-Modified".lower()
    if headers.get(source):
        headers[target] = [headers[source][0]]
        print(f"Response header {target} was set to {headers[source][0]}")
    return response
