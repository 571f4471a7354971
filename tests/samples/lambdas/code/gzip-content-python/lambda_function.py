# The developer guide's gzip generated-response example (Node.js only), ported to Python.
import base64
import gzip

PAGE = '<!DOCTYPE html><html lang="en"><body><p>Hello from Lambda@Edge!</p></body></html>\n'


def lambda_handler(event, context):
    return {
        "status": "200",
        "statusDescription": "OK",
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}],
            "content-encoding": [{"key": "Content-Encoding", "value": "gzip"}],
        },
        "body": base64.b64encode(gzip.compress(PAGE.encode())).decode(),
        "bodyEncoding": "base64",
    }
