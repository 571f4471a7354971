# Developer guide, "Example: ... gradually transfer traffic from one Amazon S3 bucket to
# another", Python tab, in our words. The guide's Python tab cannot run as printed (its
# handler is `lambda_handler(min, max)` and it writes `request['heaaders']`); this follows
# its Node.js tab.
import random

BLUE_TRAFFIC_PERCENTAGE = 80


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if random.randint(1, 100) <= BLUE_TRAFFIC_PERCENTAGE:
        domain = "blue-bucket.s3.amazonaws.com"
        request["origin"]["s3"]["domainName"] = domain
        request["headers"]["host"] = [{"key": "host", "value": domain}]
    return request
