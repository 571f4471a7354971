# Developer guide, "Example: ... change from an Amazon S3 origin to a custom origin", Python tab, in our words.
from urllib.parse import parse_qs


def lambda_handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if parse_qs(request["querystring"]).get("useCustomOrigin", [""])[0] == "true":
        request["origin"] = {
            "custom": {
                "domainName": "www.example.com", "port": 443, "protocol": "https", "path": "",
                "sslProtocols": ["TLSv1", "TLSv1.1"], "readTimeout": 5, "keepaliveTimeout": 5, "customHeaders": {},
            }
        }
        request["headers"]["host"] = [{"key": "host", "value": "www.example.com"}]
    return request
