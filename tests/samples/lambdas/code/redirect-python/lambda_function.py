# Developer guide, "Example: Generating an HTTP redirect (generated response)", Python tab, in our words.

def lambda_handler(event, context):
    location = "http://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html"
    return {
        "status": "302",
        "statusDescription": "Found",
        "headers": {"location": [{"key": "Location", "value": location}]},
    }
