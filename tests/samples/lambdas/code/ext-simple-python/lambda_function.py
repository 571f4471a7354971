# awslabs/aws-cloudfront-extensions edge/python/simple-lambda-edge, in our words: the
# guide's static page plus a field CloudFront's response object does not have ('message').

def lambda_handler(event, context):
    return {
        "status": "200",
        "statusDescription": "OK",
        "headers": {
            "cache-control": [{"key": "Cache-Control", "value": "max-age=100"}],
            "content-type": [{"key": "Content-Type", "value": "text/html"}],
        },
        "body": "<p>Hello from Lambda@Edge!</p>",
        "message": "testing_4",
    }
