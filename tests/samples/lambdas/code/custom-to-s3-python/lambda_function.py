# Developer guide, "Example: ... change from a custom origin to an Amazon S3 origin", Python tab, in our words.
from urllib.parse import parse_qs


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    params = {name: values[0] for name, values in parse_qs(request["querystring"]).items()}
    if params.get("useS3Origin") == "true":
        bucket = "my-bucket.s3.amazonaws.com"
        request["origin"] = {"s3": {"domainName": bucket, "region": "", "authMethod": "none", "path": "", "customHeaders": {}}}
        request["headers"]["host"] = [{"key": "host", "value": bucket}]
    return request
